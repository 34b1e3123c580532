#!/usr/bin/env node
// Completes package-lock.json with the platform-specific optional packages (native bindings of
// @swc/core, unrs-resolver, ...) that a registry mirror without those platforms leaves out.
// `npm ci` refuses a lockfile whose optionalDependencies have no entry, even for platforms it
// would skip; the added entries carry os/cpu/libc so npm skips them everywhere but on their own
// platform, where it resolves them by name and version as usual.
// Usage: node scripts/complete-lockfile.mjs [--check]
import { readFileSync, writeFileSync } from 'node:fs';

const path = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
const packages = lock.packages;
const OSES = ['darwin', 'linux', 'win32', 'android', 'freebsd', 'openharmony', 'sunos', 'aix'];
const added = [];

for (const [location, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const base = location === '' ? '' : `${location}/`;
    if (packages[`${base}node_modules/${name}`] !== undefined) continue;
    if (packages[`node_modules/${name}`] !== undefined) continue;
    const platform = platformOf(name);
    if (platform === undefined) continue;
    packages[`node_modules/${name}`] = { version, dev: entry.dev, optional: true, ...platform };
    if (entry.dev !== true) delete packages[`node_modules/${name}`].dev;
    added.push(`${name}@${version}`);
  }
}

if (process.argv.includes('--check')) {
  if (added.length > 0) {
    console.error(`package-lock.json lacks ${added.length} platform entries: ${added.join(', ')}`);
    console.error('run: node scripts/complete-lockfile.mjs');
    process.exit(1);
  }
  process.exit(0);
}
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(added.length === 0 ? 'lockfile complete' : `added: ${added.join(', ')}`);

/** Reads os/cpu/libc from a binding package name such as `@swc/core-linux-arm64-musl`. */
function platformOf(name) {
  const parts = name.split('/').pop().split('-');
  const osIndex = parts.findIndex((part) => OSES.includes(part));
  if (parts.includes('wasm32')) return { cpu: ['wasm32'] };
  if (osIndex < 0 || parts[osIndex + 1] === undefined) return undefined;
  const rest = parts.slice(osIndex + 2).join('-');
  const libc = /musl/.test(rest) ? ['musl'] : /gnu/.test(rest) ? ['glibc'] : undefined;
  return {
    os: [parts[osIndex]],
    cpu: [parts[osIndex + 1]],
    ...(libc !== undefined && parts[osIndex] === 'linux' ? { libc } : {}),
  };
}
