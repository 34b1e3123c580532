// Jest globalTeardown of the e2e suite: stops and removes the environment global-setup.mjs
// started, also after failed tests (an environment it found running is left alone).
// E2E_KEEP=1 leaves it running for inspection.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

import { STATE_KEY } from './global-setup.mjs';

const HARNESS_DIR = dirname(fileURLToPath(import.meta.url));

export default function globalTeardown() {
  const state = globalThis[STATE_KEY];
  if (state === undefined) return;
  globalThis[STATE_KEY] = undefined;
  state.removeSignalHandlers();
  if (state.stateDir === undefined) {
    rmSync(dirname(state.envFile), { recursive: true, force: true });
    return;
  }
  if (!state.owned) {
    rmSync(state.envFile, { force: true });
    return;
  }
  const down = join(HARNESS_DIR, 'e2e-down.sh');
  if (process.env.E2E_KEEP === '1') {
    process.stderr.write(
      `[e2e] E2E_KEEP=1: the environment keeps running in ${state.stateDir}\n` +
        `[e2e]   source ${join(state.stateDir, 'e2e.env')}   # to use it\n` +
        `[e2e]   ${down} ${state.stateDir}   # to stop it\n`,
    );
    return;
  }
  execFileSync('bash', [down, state.stateDir], { stdio: ['ignore', 'ignore', 'inherit'] });
}
