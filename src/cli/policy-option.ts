import { loadPolicyFile } from '../config/load-policy-file.js';
import type { Policy } from '../policy/policy-spec.js';
import { formatPolicyErrors } from '../config/policy-errors.js';
import { UsageError } from './usage-error.js';

/**
 * Loads `--policy FILE`, or throws a {@link UsageError} that lists every error (unreadable file,
 * YAML syntax with line and column, each schema and semantic error with its field path), one per
 * line under `invalid policy <path>:`.
 */
export async function loadPolicyOrExplain(path: string): Promise<Policy> {
  const result = await loadPolicyFile(path);
  if (result.ok) return result.policy;
  throw new UsageError(formatPolicyErrors(path, result.errors));
}
