import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { HARNESS_DIR } from './e2e-env.js';

const run = promisify(execFile);
const CONTROL_PLANE = join(HARNESS_DIR, 'control-plane.sh');

/**
 * Starts `argv` in the background through `control-plane.sh spawn`: its own process group, output
 * in `<stateDir>/logs/<name>.log`, and recorded, so that e2e-down.sh stops it even when the test
 * that started it never gets to. Resolves with its PID once it runs.
 */
export async function spawnRecorded(
  stateDir: string,
  name: string,
  argv: readonly string[],
): Promise<number> {
  const { stdout } = await run('bash', [CONTROL_PLANE, 'spawn', stateDir, name, '--', ...argv]);
  const pid = Number(stdout.trim());
  if (!Number.isInteger(pid) || pid <= 0) {
    throw new Error(`control-plane.sh spawn ${name} printed no PID: ${JSON.stringify(stdout)}`);
  }
  return pid;
}

/**
 * Stops every running process spawned as `name` (SIGTERM to its process group, SIGKILL after
 * 15 s); resolves once none is left. A name with no running process is fine.
 */
export async function stopRecorded(stateDir: string, name: string): Promise<void> {
  await run('bash', [CONTROL_PLANE, 'stop', stateDir, name], { timeout: 60000 });
}
