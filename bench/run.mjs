// `npm run bench` (after `npm run build`): prints figures, asserts nothing.
//
//  1. in-process: reviews/s and p50/p99 latency of the real /mutate + /validate handlers
//     (bench/in-process.mjs); target: handler p99 < 200 µs.
//  2. HTTPS keep-alive load from a separate process (bench/http-load.mjs: autocannon, pipelining
//     1, N connections, fixed duration) against `profile-guard serve --no-cluster` (default log
//     level) and, in the same run, against a bare node:https server with the same certificate
//     answering, byte for byte, the body and headers serve answered (bench/http-baseline.mjs);
//     target: ratio >= 0.8. A third server, the bare one that also JSON-parses each body, is a
//     reference for what decoding a review alone costs. After a discarded warm-up run per server,
//     the servers are measured in alternation (the order reversed every other round, so drift in
//     the machine's other load falls on all of them), and the medians are reported: throughput
//     per server and the ratio of the rounds' serve/baseline ratios.
//  3. bench/scale.mjs, when present, with --expose-gc.
//  4. worst case (bench/worst-case.mjs): the slowest of a set of adversarial reviews (long
//     quantities, 3 MiB bodies, 10 000-deep nesting, 100 000 labels, 98 000 subjects, 50 000
//     rules and UPDATEs of them), each alone over HTTPS to a fresh serve, and /healthz latency
//     meanwhile from a probe process; targets, judged over the bodies within the contract's 3 MiB
//     (larger ones are listed apart): every input < 100 ms, /healthz p99 < 10 ms; ratios against
//     the typical review and the /healthz p99 under it, measured in the same run.
//
// Flags: --duration S (per round, default 10), --connections N (default 8), --rounds N (default
// 3), --warmup S (default 3), --skip-parse-reference, --cpu-prof DIR (afterwards, one more round
// against a serve started with --cpu-prof, and a summary of where its time went), --skip-scale,
// --worst-case-reps N (default 5), --skip-worst-case, --json.

import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { summarizeCpuProfile } from './cpu-profile-summary.mjs';
import { runInProcess } from './in-process.mjs';
import { profileReview } from './http-review.mjs';
import { runWorstCase } from './worst-case.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const BIN = join(ROOT, 'dist', 'cli', 'bin.js');
const RATIO_TARGET = 0.8;
const P99_TARGET_MICROS = 200;
/** Response headers node sets by itself on every answer, serve's and the baseline's alike. */
const NODE_HEADERS = new Set(['date', 'connection', 'keep-alive', 'content-length']);

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '3' },
    'skip-parse-reference': { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    'skip-scale': { type: 'boolean', default: false },
    'worst-case-reps': { type: 'string', default: '5' },
    'skip-worst-case': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const duration = Number(flags.duration);
const connections = Number(flags.connections);
const rounds = Math.max(1, Number(flags.rounds));
const warmup = Math.max(0, Number(flags.warmup));
const say = (text = '') => {
  if (!flags.json) process.stdout.write(`${text}\n`);
};

if (!existsSync(BIN)) {
  process.stderr.write('dist/ is missing: run `npm run build` first (npm run bench does).\n');
  process.exit(2);
}

const work = await mkdtemp(join(tmpdir(), 'profile-guard-bench-'));
const children = [];
const cleanup = async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  await rm(work, { recursive: true, force: true });
};

try {
  const loadBefore = loadavg();
  say(`profile-guard benchmark — node ${process.version}, ${availableParallelism()} CPUs`);
  say(`load average before: ${loadBefore.map((value) => value.toFixed(2)).join(' ')}`);
  say();
  say('1. In-process handlers (mutate + validate of a typical Profile CREATE)');
  const inProcess = await runInProcess();
  say(`   reviews/s            ${inProcess.reviewsPerSecond}`);
  say(`   mutate   p50 / p99   ${inProcess.mutateMicros.p50} / ${inProcess.mutateMicros.p99} µs`);
  say(
    `   validate p50 / p99   ${inProcess.validateMicros.p50} / ${inProcess.validateMicros.p99} µs`,
  );
  say(
    `   review   p50 / p99   ${inProcess.reviewMicros.p50} / ${inProcess.reviewMicros.p99} µs` +
      `   (target: p99 < ${P99_TARGET_MICROS} µs per handler)`,
  );

  say();
  say(
    `2. HTTPS keep-alive load: ${connections} connections, pipelining 1, ${rounds} alternating ` +
      `rounds of ${duration} s per server after a ${warmup} s warm-up (discarded)`,
  );
  const certDir = join(work, 'certs');
  await run(process.execPath, [
    BIN,
    'certs',
    '--service',
    'profile-guard',
    '--namespace',
    'bench',
    '--dns',
    'localhost',
    '--ip',
    '127.0.0.1',
    '--out',
    certDir,
  ]);
  const ca = await readFile(join(certDir, 'ca.crt'), 'utf8');
  const bodyFile = join(work, 'review.json');
  const body = JSON.stringify(profileReview());
  await writeFile(bodyFile, body);

  const serveArgs = [
    BIN,
    'serve',
    '--no-cluster',
    '--cert-dir',
    certDir,
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '--metrics-port',
    '0',
  ];
  const serve = await start(
    process.execPath,
    serveArgs,
    'stderr',
    /serving https:\/\/localhost:(\d+)/,
  );
  // The baseline answers what profile-guard answers: same bodies, same headers.
  const answers = {};
  for (const path of ['/mutate', '/validate']) {
    const answer = await post(serve.port, ca, path, body);
    if (answer.status !== 200) throw new Error(`${path} answered ${answer.status}: ${answer.body}`);
    const headers = Object.fromEntries(
      Object.entries(answer.headers).filter(([name]) => !NODE_HEADERS.has(name)),
    );
    answers[path] = { body: answer.body, headers, tls: answer.tls };
  }
  const answersFile = join(work, 'answers.json');
  await writeFile(answersFile, JSON.stringify(answers));
  const targets = [
    { key: 'baseline', name: 'bare node:https', server: undefined },
    { key: 'webhook', name: 'profile-guard serve', server: serve },
  ];
  targets[0].server = await start(
    process.execPath,
    [join(HERE, 'http-baseline.mjs'), certDir, answersFile],
    'stdout',
    /listening (\d+)/,
  );
  if (!flags['skip-parse-reference']) {
    const server = await start(
      process.execPath,
      [join(HERE, 'http-baseline.mjs'), certDir, answersFile, '--parse'],
      'stdout',
      /listening (\d+)/,
    );
    targets.push({ key: 'parseReference', name: 'bare + JSON.parse', server });
  }
  for (const target of targets.filter((t) => t.key !== 'webhook')) {
    for (const path of ['/mutate', '/validate']) {
      const answer = await post(target.server.port, ca, path, body);
      const expected = answers[path];
      if (answer.body !== expected.body) throw new Error(`${target.name} answers differently`);
      if (answer.tls !== expected.tls) throw new Error(`${target.name} negotiates ${answer.tls}`);
      for (const [name, value] of Object.entries(expected.headers)) {
        if (answer.headers[name] !== value) throw new Error(`${target.name}: header ${name}`);
      }
    }
  }
  say(
    `   same certificate and TLS (${answers['/mutate'].tls}); answers of ` +
      `${answers['/mutate'].body.length} and ${answers['/validate'].body.length} bytes ` +
      `with the same headers; request body ${body.length} bytes`,
  );

  for (const target of targets) await loadRun(target, warmup, bodyFile, certDir);
  const serveLinesBefore = serve.lines();
  const results = Object.fromEntries(targets.map((target) => [target.key, []]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? targets : [...targets].reverse();
    for (const target of order) {
      results[target.key].push(await loadRun(target, duration, bodyFile, certDir));
    }
  }
  const serveLogLines = serve.lines() - serveLinesBefore;
  const ratios = results.webhook.map(
    (webhook, index) => webhook.requestsPerSecond / results.baseline[index].requestsPerSecond,
  );
  const summary = Object.fromEntries(
    targets.map((target) => [target.key, medianRun(results[target.key])]),
  );
  const ratio = median(ratios);

  say();
  say(
    `   ${'round'.padEnd(7)}${targets.map((t) => t.name.padStart(22)).join('')}${'ratio'.padStart(9)}`,
  );
  for (let round = 0; round < rounds; round++) {
    const cells = targets.map((target) => {
      const r = results[target.key][round];
      const cpu = r.serverCpu === undefined ? '' : ` (${Math.round(r.serverCpu * 100)} % cpu)`;
      return `${Math.round(r.requestsPerSecond)}${cpu}`.padStart(22);
    });
    say(
      `   ${String(round + 1).padEnd(7)}${cells.join('')}${ratios[round].toFixed(2).padStart(9)}`,
    );
  }
  say();
  const row = (name, r) =>
    `   ${name.padEnd(22)}${String(Math.round(r.requestsPerSecond)).padStart(8)} req/s   ` +
    `latency p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms   ` +
    `errors ${r.errors + r.timeouts}, non-2xx ${r.non2xx}`;
  say('   medians:');
  for (const target of targets) say(row(target.name, summary[target.key]));
  say(
    `   ratio                 ${ratio.toFixed(2)}   (median of the rounds; target >= ${RATIO_TARGET})`,
  );
  if (summary.parseReference !== undefined) {
    const parseRatio = median(
      results.parseReference.map(
        (r, index) => r.requestsPerSecond / results.baseline[index].requestsPerSecond,
      ),
    );
    say(`   bare + JSON.parse / bare  ${parseRatio.toFixed(2)}   (reference)`);
  }
  say(`   serve log lines during the load: ${serveLogLines}`);
  const loadAfter = loadavg();
  say(`   load average after: ${loadAfter.map((value) => value.toFixed(2)).join(' ')}`);

  let profile;
  if (flags['cpu-prof'] !== undefined) {
    const dir = resolve(flags['cpu-prof']);
    await mkdir(dir, { recursive: true });
    for (const target of targets) target.server.child.kill('SIGTERM');
    const profiled = await start(
      process.execPath,
      ['--cpu-prof', '--cpu-prof-dir', dir, ...serveArgs],
      'stderr',
      /serving https:\/\/localhost:(\d+)/,
    );
    const before = new Set(readdirSync(dir));
    const measured = await loadRun(
      { key: 'profiled', server: profiled },
      duration,
      bodyFile,
      certDir,
    );
    await stop(profiled.child);
    const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile') && !before.has(name));
    if (file === undefined) throw new Error(`no .cpuprofile was written to ${dir}`);
    profile = { file: join(dir, file), requestsPerSecond: measured.requestsPerSecond };
    Object.assign(profile, summarizeCpuProfile(profile.file, 20));
    say();
    say(
      `   CPU profile of serve under the same load (${Math.round(measured.requestsPerSecond)} ` +
        `req/s, ${profile.file}), share of sampled time:`,
    );
    for (const [area, share] of profile.areas.slice(0, 12)) {
      say(`     ${(share * 100).toFixed(1).padStart(5)} %  ${area}`);
    }
    say('   busiest functions (self time):');
    for (const [name, share] of profile.functions.slice(0, 15)) {
      say(`     ${(share * 100).toFixed(1).padStart(5)} %  ${name}`);
    }
  }

  let scale;
  const scaleScript = join(HERE, 'scale.mjs');
  if (!flags['skip-scale'] && existsSync(scaleScript)) {
    say();
    say('3. Scale (bench/scale.mjs)');
    if (flags.json) {
      scale = JSON.parse(await run(process.execPath, ['--expose-gc', scaleScript, '--json']));
    } else {
      await run(process.execPath, ['--expose-gc', scaleScript], 'inherit');
    }
  }

  let worstCase;
  if (!flags['skip-worst-case']) {
    for (const target of targets) target.server.child.kill('SIGTERM');
    say();
    say('4. Worst case: adversarial reviews, one at a time over HTTPS to a fresh serve (one core)');
    worstCase = await runWorstCase({ reps: Number(flags['worst-case-reps']), say });
  }

  if (flags.json) {
    const http = {
      connections,
      duration,
      rounds,
      warmup,
      tls: answers['/mutate'].tls,
      loadAverage: { before: loadBefore, after: loadAfter },
      results,
      ratios,
      ...summary,
      ratio,
      serveLogLines,
      ...(profile ? { profile } : {}),
    };
    process.stdout.write(
      `${JSON.stringify({ inProcess, http, ...(scale ? { scale } : {}), ...(worstCase ? { worstCase } : {}) })}\n`,
    );
  }
} finally {
  await cleanup();
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The round with the median throughput (its latency and error figures come with it). */
function medianRun(runs) {
  const sorted = [...runs].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** Runs a command to completion; resolves with its stdout (or inherits stdio). */
function run(command, args, stdio = 'pipe') {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      stdio: stdio === 'inherit' ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout?.on('data', (chunk) => (out += chunk));
    child.stderr?.on('data', (chunk) => (err += chunk));
    child.on('exit', (code) => {
      if (code === 0) resolvePromise(out);
      else reject(new Error(`${args.join(' ')} exited with ${code}: ${err}`));
    });
  });
}

/**
 * Starts a server process; resolves with `{ child, port, lines() }` once it announces its port on
 * `stream`. `lines()` counts the lines it has written so far, on both streams.
 */
function start(command, args, stream, pattern) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let text = '';
    let lines = 0;
    let announced = false;
    for (const name of ['stdout', 'stderr']) {
      child[name].on('data', (chunk) => {
        const piece = String(chunk);
        lines += piece.split('\n').length - 1;
        if (name !== stream || announced) return;
        text += piece;
        const match = pattern.exec(text);
        if (match) {
          announced = true;
          resolvePromise({ child, port: Number(match[1]), lines: () => lines });
        }
      });
    }
    child.on('exit', (code) => {
      if (!announced) reject(new Error(`${args.join(' ')} exited with ${code}: ${text}`));
    });
  });
}

/** SIGTERM, then resolves once the process has exited (a --cpu-prof file is written by then). */
function stop(child) {
  return new Promise((resolvePromise) => {
    if (child.exitCode !== null) {
      resolvePromise();
      return;
    }
    child.once('exit', () => resolvePromise());
    child.kill('SIGTERM');
  });
}

/** One verified POST (the CA must validate the chain: autocannon does not check it). */
function post(port, ca, path, body) {
  return new Promise((resolvePromise, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        ca,
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json' },
        agent: false,
      },
      (res) => {
        let text = '';
        const tls = `${res.socket.getProtocol()} ${res.socket.getCipher().name}`;
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () =>
          resolvePromise({ status: res.statusCode, headers: res.headers, body: text, tls }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** CPU seconds the process has used so far (Linux /proc), or undefined elsewhere. */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** One autocannon run from its own process; adds the server's CPU use over the run. */
async function loadRun(target, seconds, bodyFile, certDir) {
  const options = {
    url: `https://127.0.0.1:${target.server.port}`,
    caFile: join(certDir, 'ca.crt'),
    bodyFile,
    connections,
    duration: seconds,
  };
  const cpuBefore = cpuSeconds(target.server.child.pid);
  const started = process.hrtime.bigint();
  const out = await run(process.execPath, [join(HERE, 'http-load.mjs'), JSON.stringify(options)]);
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuAfter = cpuSeconds(target.server.child.pid);
  const result = JSON.parse(out.trim().split('\n').at(-1));
  if (cpuBefore !== undefined && cpuAfter !== undefined) {
    result.serverCpu = (cpuAfter - cpuBefore) / Math.min(wall, seconds);
  }
  return result;
}
