#!/usr/bin/env node
import { runCli } from './run-cli.js';

// A crash must end the process: the kubelet restarts a dead webhook, a wedged one just times out.
const crash = (kind: string) => (error: unknown) => {
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`profile-guard: ${kind}: ${text}\n`);
  process.exit(1);
};
process.on('uncaughtException', crash('uncaught exception'));
process.on('unhandledRejection', crash('unhandled promise rejection'));

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
});
process.exitCode = code;
// Normally the event loop is empty by now; if a stray handle keeps it alive, do not hang.
setTimeout(() => process.exit(code), 1000).unref();
