// `npm run bench` (after `npm run build`): prints figures, asserts nothing.
//
//  1. in-process: reviews/s and p50/p99 latency of the real /mutate + /validate handlers
//     (bench/in-process.mjs); target: handler p99 < 200 µs.
//  2. HTTPS keep-alive load from a separate process (bench/http-load.mjs: autocannon, pipelining
//     1, N connections, fixed duration) against `profile-guard serve --no-cluster` and, in the same
//     run, against a bare node:https server with the same certificate answering a recorded
//     AdmissionReview of the same size (bench/http-baseline.mjs); target: ratio >= 0.8.
//  3. bench/scale.mjs, when present, with --expose-gc.
//
// Flags: --duration S (default 10), --connections N (default 8), --rounds N (default 2: the two
// servers are measured in alternation, each keeping its best round), --skip-scale, --json.

import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { runInProcess } from './in-process.mjs';
import { profileReview } from './http-review.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const BIN = join(ROOT, 'dist', 'cli', 'bin.js');
const RATIO_TARGET = 0.8;
const P99_TARGET_MICROS = 200;

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '2' },
    'skip-scale': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const duration = Number(flags.duration);
const connections = Number(flags.connections);
const rounds = Math.max(1, Number(flags.rounds));
const say = (text) => {
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
  say(`profile-guard benchmark — node ${process.version}, ${await cpuCount()} CPUs`);
  say('');
  say('1. In-process handlers (mutate + validate of a typical Profile CREATE)');
  const inProcess = await runInProcess();
  say(`   reviews/s            ${inProcess.reviewsPerSecond}`);
  say(`   mutate   p50 / p99   ${inProcess.mutateMicros.p50} / ${inProcess.mutateMicros.p99} µs`);
  say(
    `   validate p50 / p99   ${inProcess.validateMicros.p50} / ${inProcess.validateMicros.p99} µs`,
  );
  say(
    `   review   p50 / p99   ${inProcess.reviewMicros.p50} / ${inProcess.reviewMicros.p99} µs` +
      `   (target p99 < ${P99_TARGET_MICROS} µs per handler: ` +
      `${Math.max(inProcess.mutateMicros.p99, inProcess.validateMicros.p99) < P99_TARGET_MICROS ? 'met' : 'NOT met'})`,
  );

  say('');
  say(
    `2. HTTPS keep-alive load: ${connections} connections, pipelining 1, ${duration} s rounds, ` +
      `best of ${rounds} per server`,
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

  const webhookPort = await start(
    process.execPath,
    [
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
    ],
    'stderr',
    /serving https:\/\/localhost:(\d+)/,
  );
  // The baseline answers exactly what profile-guard answers, byte for byte in size.
  const answers = {};
  for (const path of ['/mutate', '/validate']) {
    const answer = await post(webhookPort, ca, path, body);
    if (answer.status !== 200) throw new Error(`${path} answered ${answer.status}: ${answer.body}`);
    answers[path] = answer.body;
  }
  const answersFile = join(work, 'answers.json');
  await writeFile(answersFile, JSON.stringify(answers));
  const baselinePort = await start(
    process.execPath,
    [join(HERE, 'http-baseline.mjs'), certDir, answersFile],
    'stdout',
    /listening (\d+)/,
  );
  for (const path of ['/mutate', '/validate']) {
    const answer = await post(baselinePort, ca, path, body);
    if (answer.body.length !== answers[path].length) throw new Error('baseline answer differs');
  }

  // A short warm-up first, so that both servers are measured with their code optimized; then
  // the two are measured in alternation and each keeps its best round: other load on the machine
  // only ever slows a round down, and alternating spreads it over both.
  await loadRun(baselinePort, Math.min(2, duration), bodyFile, certDir);
  await loadRun(webhookPort, Math.min(2, duration), bodyFile, certDir);
  let baseline;
  let webhook;
  for (let round = 0; round < rounds; round++) {
    baseline = best(baseline, await loadRun(baselinePort, duration, bodyFile, certDir));
    webhook = best(webhook, await loadRun(webhookPort, duration, bodyFile, certDir));
  }
  const ratio = webhook.requestsPerSecond / baseline.requestsPerSecond;
  const row = (name, r) =>
    `   ${name.padEnd(22)}${String(Math.round(r.requestsPerSecond)).padStart(8)} req/s   ` +
    `latency p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms   ` +
    `errors ${r.errors + r.timeouts}, non-2xx ${r.non2xx}`;
  say(row('bare node:https', baseline));
  say(row('profile-guard serve', webhook));
  say(
    `   ratio                 ${ratio.toFixed(2)}   (target >= ${RATIO_TARGET}: ${ratio >= RATIO_TARGET ? 'met' : 'NOT met'})`,
  );

  let scale;
  const scaleScript = join(HERE, 'scale.mjs');
  if (!flags['skip-scale'] && existsSync(scaleScript)) {
    say('');
    say('3. Scale (bench/scale.mjs)');
    if (flags.json) {
      scale = JSON.parse(await run(process.execPath, ['--expose-gc', scaleScript, '--json']));
    } else {
      await run(process.execPath, ['--expose-gc', scaleScript], 'inherit');
    }
  }

  if (flags.json) {
    process.stdout.write(
      `${JSON.stringify({ inProcess, http: { connections, duration, rounds, baseline, webhook, ratio }, ...(scale ? { scale } : {}) })}\n`,
    );
  }
} finally {
  await cleanup();
}

async function cpuCount() {
  const { availableParallelism } = await import('node:os');
  return availableParallelism();
}

/** Runs a command to completion; resolves with its stdout (or inherits stdio). */
function run(command, args, stdio = 'pipe') {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: stdio === 'inherit' ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout?.on('data', (chunk) => (out += chunk));
    child.stderr?.on('data', (chunk) => (err += chunk));
    child.on('exit', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${args.join(' ')} exited with ${code}: ${err}`));
    });
  });
}

/** Starts a server process; resolves with the port it announces on `stream`. */
function start(command, args, stream, pattern) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let text = '';
    child[stream].on('data', (chunk) => {
      text += chunk;
      const match = pattern.exec(text);
      if (match) resolve(Number(match[1]));
    });
    // Keep draining the other stream so the child never blocks on a full pipe.
    child[stream === 'stdout' ? 'stderr' : 'stdout'].resume();
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}: ${text}`)));
  });
}

/** One verified POST (the CA must validate the chain: autocannon does not check it). */
function post(port, ca, path, body) {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        ca,
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function best(current, next) {
  return current === undefined || next.requestsPerSecond > current.requestsPerSecond
    ? next
    : current;
}

async function loadRun(port, seconds, bodyFile, certDir) {
  const options = {
    url: `https://127.0.0.1:${port}`,
    caFile: join(certDir, 'ca.crt'),
    bodyFile,
    connections,
    duration: seconds,
  };
  const out = await run(process.execPath, [join(HERE, 'http-load.mjs'), JSON.stringify(options)]);
  return JSON.parse(out.trim().split('\n').at(-1));
}
