import { homedir } from 'node:os';

/**
 * The caller's home directory: `HOME`, else the passwd entry, else `''`. A container running as
 * an arbitrary numeric user has neither, and `os.homedir()` then throws; that must not stop
 * `serve` (it only looks there for `~/.kube/config`).
 */
export function homeDirectory(env: Readonly<Record<string, string | undefined>>): string {
  if (env.HOME !== undefined && env.HOME !== '') return env.HOME;
  try {
    return homedir();
  } catch {
    return '';
  }
}
