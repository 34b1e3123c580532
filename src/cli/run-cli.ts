import { createRequire } from 'node:module';

import { EXIT_OK, EXIT_USAGE, type CliIo } from './io.js';
import type { ServeHooks } from './serve/run-serve.js';

/** `profile-guard --help`. */
export const MAIN_USAGE = `Usage: profile-guard <command> [flags]

Commands:
  serve    run the admission webhook (HTTPS /mutate, /validate, /healthz, /readyz; metrics)
  check    evaluate manifests offline exactly as the webhook would
  certs    write a CA and a serving certificate for the webhook's Service
  report   summarize denials, warnings and Audit findings (PolicyReports or serve's log)
  native   print the policy's stateless rules as admission policies the API server runs itself
  selftest check an installation through the API server (what the chart's helm test runs)

Flags:
  -h, --help      this help (profile-guard <command> --help for a command's flags)
  -v, --version   the version

Exit codes: 0 success, 1 check found a denied object, 2 bad flags, unreadable input or bad policy.
`;

/** The package version, read from package.json (two levels above both src/cli and dist/cli). */
export function packageVersion(): string {
  const require = createRequire(import.meta.url);
  const pkg = require('../../package.json') as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}

/**
 * Runs one `profile-guard` invocation and resolves with its exit code. `serve` resolves only after
 * a clean shutdown; `hooks` lets an embedding (tests, the benchmark) observe and stop it.
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  hooks: ServeHooks = {},
): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    // Commands are imported on use: `--version` should not pay for loading the webhook.
    case 'serve':
      return (await import('./serve/run-serve.js')).runServe(rest, io, hooks);
    case 'check':
      return (await import('./check/run-check.js')).runCheck(rest, io);
    case 'certs':
      return (await import('./certs/run-certs.js')).runCerts(rest, io);
    case 'report':
      return (await import('./report/run-report.js')).runReport(rest, io);
    case 'native':
      return (await import('./native/run-native.js')).runNative(rest, io);
    case 'selftest':
      return (await import('./selftest/run-selftest.js')).runSelftest(rest, io);
    case '-h':
    case '--help':
    case 'help':
      io.stdout.write(MAIN_USAGE);
      return EXIT_OK;
    case '-v':
    case '--version':
    case 'version':
      io.stdout.write(`${packageVersion()}\n`);
      return EXIT_OK;
    case undefined:
      io.stderr.write(MAIN_USAGE);
      return EXIT_USAGE;
    default:
      io.stderr.write(
        `profile-guard: unknown command ${JSON.stringify(command)} (see profile-guard --help)\n`,
      );
      return EXIT_USAGE;
  }
}
