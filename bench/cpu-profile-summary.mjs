// Summarizes a V8 .cpuprofile (node --cpu-prof): the share of sampled time spent in each
// function itself (self time), and per area (idle, GC, TLS/socket writes, node's HTTP code,
// each package, profile-guard's own code by folder). Used by `bench/run.mjs --cpu-prof DIR` to
// show where serve's time goes under load.
//
// Usage: node bench/cpu-profile-summary.mjs <file.cpuprofile> [top N]

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Reads a profile; returns `{ totalMs, functions: [[name, share]], areas: [[area, share]] }`. */
export function summarizeCpuProfile(path, top = 25) {
  const profile = JSON.parse(readFileSync(path, 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  let total = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    total += delta;
    self.set(id, (self.get(id) ?? 0) + delta);
  });
  const functions = new Map();
  const areas = new Map();
  const add = (map, key, value) => map.set(key, (map.get(key) ?? 0) + value);
  for (const [id, time] of self) {
    const frame = nodes.get(id).callFrame;
    const where = shortUrl(frame.url);
    add(
      functions,
      `${frame.functionName || '(anonymous)'} ${where}${where ? `:${frame.lineNumber + 1}` : ''}`,
      time,
    );
    add(areas, areaOf(frame.functionName, where), time);
  }
  const ranked = (map, count) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([name, time]) => [name, time / total]);
  return { totalMs: total / 1000, functions: ranked(functions, top), areas: ranked(areas, 20) };
}

function shortUrl(url) {
  const path = url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('/node_modules/');
  if (modules !== -1) return path.slice(modules + '/node_modules/'.length);
  return path.replace(/.*\/dist\//, 'dist/');
}

function areaOf(name, where) {
  if (where === '') {
    if (name === '(idle)') return 'idle (waiting for the network)';
    if (name === '(garbage collector)') return 'garbage collection';
    if (name === 'writev' || name === 'writeUtf8String' || name === 'writeBuffer')
      return 'socket writes (TLS encryption, syscalls)';
    return `native: ${name}`;
  }
  if (where.startsWith('dist/')) return `profile-guard ${where.split('/').slice(0, 2).join('/')}`;
  if (where.startsWith('node:')) {
    if (/_http_|stream|net|tls|events|task_queues|timers/.test(where))
      return 'node HTTP, streams, net';
    return 'node, other';
  }
  return `package ${where.split('/')[0]}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, top] = process.argv.slice(2);
  const summary = summarizeCpuProfile(file, Number(top ?? 25));
  const pct = (share) => `${(share * 100).toFixed(1).padStart(5)} %`;
  console.log(`sampled ${Math.round(summary.totalMs)} ms`);
  for (const [area, share] of summary.areas) console.log(`${pct(share)}  ${area}`);
  console.log('');
  for (const [name, share] of summary.functions) console.log(`${pct(share)}  ${name}`);
}
