import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../../', import.meta.url));
const script = fileURLToPath(new URL('../../scripts/generate-rules.mjs', import.meta.url));

describe('the files generated from the rule catalog', () => {
  // The script reads the built catalog (dist/, which the test run's global setup builds) and
  // names each stale file and the command that regenerates it.
  it('are what scripts/generate-rules.mjs writes: the schema ruleModes keys, the README rule table and mutation table (run npm run generate)', async () => {
    const run = promisify(execFile);
    await expect(run(process.execPath, [script, '--check'], { cwd: root })).resolves.toBeDefined();
  });
});
