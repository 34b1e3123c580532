import { PASS, fail, skip, type RuleContext, type RuleResult } from './rule.js';

/**
 * The gate every stateful rule passes before reading the snapshot:
 * - `none` (cluster lookups off): a skip;
 * - `unsynced` (a cluster is configured but its state never loaded): a failure at `path` whose
 *   message says so, so the rule fails closed instead of judging against an empty cache;
 * - `synced` / `stale`: undefined, the rule evaluates.
 *
 * On UPDATE the engine also runs a rule over the stored object to find violations it already had
 * (ratcheting). The "state not available" failure is about this request, not the stored object,
 * so that run passes: otherwise every UPDATE would ratchet the fail-closed denial into a warning.
 * `what` completes "cannot verify …".
 */
export function clusterStateGate(
  ctx: RuleContext,
  what: string,
  path: string,
): RuleResult | undefined {
  const { cluster } = ctx;
  if (cluster.state === 'none') return skip('cluster lookups are off');
  if (cluster.state !== 'unsynced') return undefined;
  if (isStoredObjectRun(ctx)) return PASS;
  return fail(path, `cluster state not synced: cannot verify ${what}; retry shortly`);
}

/**
 * True when the engine evaluates the stored object of an UPDATE (the ratcheting run) rather than
 * the object being written.
 */
export function isStoredObjectRun(ctx: RuleContext): boolean {
  return ctx.run === 'stored';
}
