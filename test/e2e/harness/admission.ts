import { RULE_IDS } from '../../../src/policy/rule-ids.js';
import type { E2eEnv } from './e2e-env.js';
import { eventually } from './eventually.js';
import { kubectl } from './kubectl.js';

/** One `<rule-id>: <message>` entry of a denial or a warning. */
export interface RuleMessage {
  readonly id: string;
  readonly message: string;
}

/** One webhook denial as kubectl prints it on stderr. */
export interface Denial {
  /** The whole line. */
  readonly line: string;
  /** The webhook's name, e.g. profiles.validate.profile-guard.io. */
  readonly webhook: string;
  /** The file kubectl names (`error when creating "<file>"`), when it names one. */
  readonly file: string | undefined;
  /** `create`, `patching`, ... as kubectl words it, when it does. */
  readonly verb: string | undefined;
  readonly rules: readonly RuleMessage[];
}

const DENIAL =
  /^Error from server \(Forbidden\): (?:error when (\w+) "([^"]+)": )?admission webhook "([^"]+)" denied the request: (.*)$/;
const RULE_START = new RegExp(`(?:^|; )(${RULE_IDS.join('|')}): `, 'g');
/** A denial of the whole request, not of a rule (more JSON tokens than are decoded). */
const REQUEST_DENIAL = 'request: ';

/**
 * Splits `a-rule: message; b-rule: message` into its entries. Only the contract's rule ids start
 * an entry, so a `; ` inside a message does not split it. A denial of the whole request
 * (`request: …`, the bounded-work bound) is one entry with the id `request`.
 */
export function splitRuleMessages(text: string): RuleMessage[] {
  if (text.startsWith(REQUEST_DENIAL)) {
    return [{ id: 'request', message: text.slice(REQUEST_DENIAL.length) }];
  }
  const starts = [...text.matchAll(RULE_START)];
  if (starts.length === 0 || starts[0]?.index !== 0) {
    throw new Error(`not a list of "<rule-id>: <message>" entries: ${JSON.stringify(text)}`);
  }
  return starts.map((match, i) => {
    const id = match[1] ?? '';
    const from = match.index + match[0].length;
    const to = starts[i + 1]?.index ?? text.length;
    return { id, message: text.slice(from, to) };
  });
}

/** Every admission-webhook denial on kubectl's stderr, in order. */
export function parseDenials(stderr: string): Denial[] {
  const denials: Denial[] = [];
  for (const line of stderr.split('\n')) {
    const match = DENIAL.exec(line);
    if (match === null) continue;
    denials.push({
      line,
      verb: match[1],
      file: match[2],
      webhook: match[3] ?? '',
      rules: splitRuleMessages(match[4] ?? ''),
    });
  }
  return denials;
}

/** Every `Warning: <rule-id>: <message>` line on kubectl's stderr (other warnings are skipped). */
export function parseWarnings(stderr: string): RuleMessage[] {
  const warnings: RuleMessage[] = [];
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('Warning: ')) continue;
    const text = line.slice('Warning: '.length);
    const id = RULE_IDS.find((rule) => text.startsWith(`${rule}: `));
    if (id !== undefined) warnings.push({ id, message: text.slice(id.length + 2) });
  }
  return warnings;
}

/** The rule ids of a denial, in the order the webhook listed them. */
export function ruleIds(denial: Denial | undefined): string[] {
  return denial === undefined ? [] : denial.rules.map((rule) => rule.id);
}

/** A Profile the embedded default policy denies for a non-exempt caller (reserved name). */
export const KNOWN_BAD_PROFILE = {
  apiVersion: 'kubeflow.org/v1',
  kind: 'Profile',
  metadata: { name: 'kubeflow' },
  spec: { owner: { kind: 'User', name: 'alice@example.com' } },
} as const;

/**
 * Resolves once the API server sends Profiles to the webhook and gets its answer: a known-bad
 * Profile created by alice with --dry-run=server is denied by profiles.validate.profile-guard.io.
 */
export async function waitForAdmission(env: E2eEnv, timeoutMs = 60000): Promise<void> {
  await eventually(
    async () => {
      const result = await kubectl(env, ['create', '--dry-run=server', '-f', '-'], {
        as: 'alice',
        input: JSON.stringify(KNOWN_BAD_PROFILE),
      });
      const denial = parseDenials(result.stderr)[0];
      if (
        result.code !== 1 ||
        denial?.webhook !== 'profiles.validate.profile-guard.io' ||
        !ruleIds(denial).includes('profile-name-reserved')
      ) {
        throw new Error(`the webhook does not answer yet: ${result.stderr || result.stdout}`);
      }
    },
    { timeoutMs, intervalMs: 500 },
  );
}
