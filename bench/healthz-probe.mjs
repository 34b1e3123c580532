// The /healthz probe of the worst-case benchmark (bench/worst-case.mjs), in its own process so that
// building and sending multi-megabyte bodies never delays it: forked with an IPC channel, it GETs
// https://127.0.0.1:<port>/healthz over one keep-alive connection, one request at a time with a
// pause of `intervalMs` between them, between a {cmd: 'start'} and a {cmd: 'stop'} message, and
// answers each stop with {latenciesMs, failures}. A request with no answer within 5 s is a failure.
//
// Usage (by fork): healthz-probe.mjs <port> <ca-file> [intervalMs]

import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';

const [port, caFile, interval = '2'] = process.argv.slice(2);
const ca = readFileSync(caFile, 'utf8');
const agent = new Agent({ keepAlive: true, maxSockets: 1, ca });
const intervalMs = Number(interval);

let running = false;
let latencies = [];
let failures = 0;
let loop;

function probe() {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const req = request(
      { host: '127.0.0.1', port: Number(port), path: '/healthz', agent, timeout: 5000 },
      (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 200) {
            latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
          } else {
            failures++;
          }
          resolve();
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => {
      failures++;
      resolve();
    });
    req.end();
  });
}

async function run() {
  while (running) {
    await probe();
    await sleep(intervalMs);
  }
}

process.on('message', async (message) => {
  if (message.cmd === 'start' && !running) {
    running = true;
    latencies = [];
    failures = 0;
    loop = run();
    process.send({ started: true });
  } else if (message.cmd === 'stop') {
    running = false;
    await loop;
    process.send({ latenciesMs: latencies, failures });
  } else if (message.cmd === 'exit') {
    agent.destroy();
    process.exit(0);
  }
});
