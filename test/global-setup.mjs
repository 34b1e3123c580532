// Builds dist/ (tsc -p tsconfig.build.json) once before the tests, for the tests that run the
// real `profile-guard` binary in a child process. Skipped when dist/ is newer than every source.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'dist', '.build-stamp');

/** Newest modification time of the files the build reads. */
function newestSource() {
  let newest = 0;
  const visit = (path) => {
    const info = statSync(path);
    if (info.isDirectory()) {
      for (const entry of readdirSync(path)) visit(join(path, entry));
    } else if (!path.endsWith('.test.ts')) {
      newest = Math.max(newest, info.mtimeMs);
    }
  };
  for (const path of ['src', 'schemas', 'package.json', 'tsconfig.json', 'tsconfig.build.json']) {
    if (existsSync(join(root, path))) visit(join(root, path));
  }
  return newest;
}

export default function globalSetup() {
  if (existsSync(stamp) && statSync(stamp).mtimeMs >= newestSource()) return;
  const started = new Date();
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: root,
    encoding: 'utf8',
  });
  // Type errors do not stop the emit (typecheck is a separate step); a missing entry point does.
  if (!existsSync(join(root, 'dist', 'cli', 'bin.js'))) {
    throw new Error(`build failed:\n${result.stdout}${result.stderr}`);
  }
  if (result.status === 0) {
    // Dated at the build's start: a source edited during the build still counts as newer.
    writeFileSync(stamp, `${started.toISOString()}\n`);
    utimesSync(stamp, started, started);
  }
}
