import { parseArgs, type ParseArgsConfig } from 'node:util';

import { UsageError } from './usage-error.js';
import { errorMessage } from '../util/error-message.js';

/** The option table of one command, as `node:util` parseArgs takes it. */
export type OptionTable = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses `argv` strictly: an unknown flag, a missing value or a stray argument throws a
 * {@link UsageError} that names it. Flags listed in `multiValue` take every following argument
 * up to the next flag (`-f a.yaml b.yaml`), as the `PATH...` in the usage says; `-` alone is a
 * value (standard input), not a flag.
 */
export function parseFlags<T extends OptionTable>(
  argv: readonly string[],
  options: T,
  multiValue: readonly string[] = [],
): ReturnType<typeof parseArgs<{ options: T; strict: true; allowPositionals: false }>>['values'] {
  const expanded = expandMultiValue(argv, options, multiValue);
  try {
    return parseArgs({ args: expanded, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError(describeParseError(error));
  }
}

/** `--state a b -f c` -> `--state a --state b -f c`, for the flags that take several paths. */
function expandMultiValue(
  argv: readonly string[],
  options: OptionTable,
  multiValue: readonly string[],
): string[] {
  const flags = new Set<string>();
  for (const name of multiValue) {
    flags.add(`--${name}`);
    const short = options[name]?.short;
    if (short !== undefined) flags.add(`-${short}`);
  }
  const out: string[] = [];
  let current: string | undefined;
  for (const arg of argv) {
    if (arg === '--') {
      current = undefined;
      out.push(arg);
    } else if (flags.has(arg)) {
      current = arg;
      out.push(arg);
    } else if (arg.startsWith('-') && arg !== '-') {
      current = undefined;
      out.push(arg);
    } else if (current !== undefined && out.at(-1) !== current) {
      out.push(current, arg);
    } else {
      out.push(arg);
    }
  }
  return out;
}

function describeParseError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = errorMessage(error);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const flag = /'([^']+)'/.exec(message)?.[1] ?? message;
    return `unknown flag ${flag}`;
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const arg = /'([^']+)'/.exec(message)?.[1] ?? message;
    return `unexpected argument ${JSON.stringify(arg)}`;
  }
  // e.g. "Option '--port <value>' argument missing", "Option '--no-cluster' does not take an argument"
  const flag = /^Option '(?:-\w, )?([^ ']+)/.exec(message)?.[1];
  if (flag === undefined) return message;
  if (message.includes('argument missing')) return `flag ${flag} needs a value`;
  if (message.includes('does not take an argument')) return `flag ${flag} takes no value`;
  if (message.includes('ambiguous'))
    return `flag ${flag}: a value starting with "-" must be given as ${flag}=VALUE`;
  return message;
}

/** A TCP port number (0 = any free port). */
export function portFlag(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const port = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(
      `invalid value for --${flag}: ${JSON.stringify(value)} (expected 0-65535)`,
    );
  }
  return port;
}

/** A positive whole number (`minimum` 0 admits zero too). */
export function positiveIntFlag(
  flag: string,
  value: string | undefined,
  fallback: number,
  minimum: 0 | 1 = 1,
): number {
  if (value === undefined) return fallback;
  const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < minimum) {
    const expected = minimum === 0 ? 'a whole number of 0 or more' : 'a positive whole number';
    throw new UsageError(
      `invalid value for --${flag}: ${JSON.stringify(value)} (expected ${expected})`,
    );
  }
  return number;
}

/** One of a fixed set of words. */
export function choiceFlag<C extends string>(
  flag: string,
  value: string | undefined,
  choices: readonly C[],
  fallback: C,
): C {
  if (value === undefined) return fallback;
  const found = choices.find((choice) => choice === value);
  if (found === undefined) {
    throw new UsageError(
      `invalid value for --${flag}: ${JSON.stringify(value)} (expected ${choices.join(' or ')})`,
    );
  }
  return found;
}

/** Comma-separated lists, possibly given several times: `--groups a,b --groups c`. */
export function listFlag(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== ''),
  );
}
