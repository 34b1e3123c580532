import { choiceFlag, listFlag, parseFlags, portFlag, positiveIntFlag } from '../../src/cli/args.js';
import type { CliIo } from '../../src/cli/io.js';
import { MAIN_USAGE, packageVersion, runCli } from '../../src/cli/run-cli.js';
import { UsageError } from '../../src/cli/usage-error.js';

const OPTIONS = {
  filename: { type: 'string', short: 'f', multiple: true },
  state: { type: 'string', multiple: true },
  user: { type: 'string' },
  flag: { type: 'boolean' },
} as const;

describe('parseFlags', () => {
  it('gives a multi-value flag every following argument up to the next flag', () => {
    expect(
      parseFlags(['-f', 'a', 'b', '--state', 'c', 'd', '--user', 'u', '-f', 'e', '-'], OPTIONS, [
        'filename',
        'state',
      ]),
    ).toEqual({
      filename: ['a', 'b', 'e', '-'],
      state: ['c', 'd'],
      user: 'u',
    });
  });

  it('keeps a stray argument after a single-value flag an error', () => {
    expect(() => parseFlags(['--user', 'u', 'v'], OPTIONS, ['filename'])).toThrow(
      new UsageError('unexpected argument "v"'),
    );
  });

  it.each([
    [['--nope'], 'unknown flag --nope'],
    [['-x'], 'unknown flag -x'],
    [['--user'], 'flag --user needs a value'],
    [['-f'], 'flag --filename needs a value'],
    [['--flag=1'], 'flag --flag takes no value'],
    [['--user', '--flag'], 'flag --user: a value starting with "-" must be given as --user=VALUE'],
  ])('%j -> %s', (argv, message) => {
    expect(() => parseFlags(argv, OPTIONS, ['filename'])).toThrow(new UsageError(message));
  });
});

describe('flag values', () => {
  it('ports are 0..65535', () => {
    expect(portFlag('port', undefined, 8443)).toBe(8443);
    expect(portFlag('port', '0', 8443)).toBe(0);
    expect(portFlag('port', '65535', 8443)).toBe(65535);
    for (const bad of ['65536', '-1', '1e3', ' 80', '']) {
      expect(() => portFlag('port', bad, 1)).toThrow(
        `invalid value for --port: ${JSON.stringify(bad)} (expected 0-65535)`,
      );
    }
  });

  it('whole numbers, choices and lists', () => {
    expect(positiveIntFlag('days', '7', 1)).toBe(7);
    expect(() => positiveIntFlag('days', '0', 1)).toThrow('(expected a positive whole number)');
    expect(positiveIntFlag('t', '0', 5, 0)).toBe(0);
    expect(() => positiveIntFlag('t', '1.5', 5, 0)).toThrow(
      '(expected a whole number of 0 or more)',
    );
    expect(choiceFlag('output', 'json', ['text', 'json'], 'text')).toBe('json');
    expect(() => choiceFlag('output', 'xml', ['text', 'json'], 'text')).toThrow(
      'invalid value for --output: "xml" (expected text or json)',
    );
    expect(listFlag(['a, b', ',c', 'd'])).toEqual(['a', 'b', 'c', 'd']);
    expect(listFlag(undefined)).toEqual([]);
  });
});

describe('runCli', () => {
  async function cli(argv: readonly string[]) {
    let stdout = '';
    let stderr = '';
    const io: CliIo = {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      env: {},
    };
    return { code: await runCli(argv, io), stdout, stderr };
  }

  it('prints help and version', async () => {
    expect(await cli(['--help'])).toEqual({ code: 0, stdout: MAIN_USAGE, stderr: '' });
    expect(await cli(['--version'])).toEqual({
      code: 0,
      stdout: `${packageVersion()}\n`,
      stderr: '',
    });
    expect(packageVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('exits 2 without a command or with an unknown one', async () => {
    expect(await cli([])).toEqual({ code: 2, stdout: '', stderr: MAIN_USAGE });
    expect(await cli(['sevre'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'profile-guard: unknown command "sevre" (see profile-guard --help)\n',
    });
  });
});
