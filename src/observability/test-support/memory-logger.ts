import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../logger.js';

/** A logger whose JSON lines are collected, for assertions on what the app logged. */
export function memoryLogger(level = 'debug'): {
  logger: Logger;
  lines: Record<string, unknown>[];
} {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { logger: createLogger({ level, destination }), lines };
}
