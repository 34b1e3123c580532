import { stringify } from 'yaml';

import { EMBEDDED_DEFAULT_POLICY } from '../../config/default-policy.js';
import {
  DEFAULT_NAMESPACE_OPT_OUT_LABEL,
  generateNativePolicies,
  type NativePolicies,
} from '../../native/generate.js';
import type { Policy } from '../../policy/policy-spec.js';
import { parseFlags } from '../args.js';
import { EXIT_OK, EXIT_USAGE, type CliIo } from '../io.js';
import { loadPolicyOrExplain } from '../policy-option.js';
import { UsageError } from '../usage-error.js';

/** `profile-guard native --help`. */
export const NATIVE_USAGE = `Usage: profile-guard native [--policy FILE] [--namespace-opt-out-label KEY]

Prints, as multi-document YAML for kubectl apply, the admission policies that enforce a
ProfilePolicy inside the API server (admissionregistration.k8s.io/v1): ValidatingAdmissionPolicies
and their bindings for every rule CEL can decide from the request alone, in the rule's mode
(Enforce -> Deny, Warn -> Warn, Audit -> Audit; exemptions, structural rules and ratcheting as the
webhook applies them), and a MutatingAdmissionPolicy for the default quota, labels and
annotations. The rules that stay with the webhook are listed at the top, each with the reason.
As the chart's webhooks, the RoleBinding, ClusterRoleBinding and AuthorizationPolicy policies skip
cluster administrators (system:masters), and namespaces carrying the opt-out label are left out.

Flags:
      --policy FILE                     ProfilePolicy (YAML or JSON); default: the embedded
                                        default policy
      --namespace-opt-out-label KEY     namespaces with this label (any value) are not judged,
                                        as the chart's namespaceOptOut.label; default
                                        ${DEFAULT_NAMESPACE_OPT_OUT_LABEL}; "" for no opt-out
  -h, --help                            this help

Exit codes: 0 printed, 2 bad flags or bad policy.
`;

const OPTIONS = {
  policy: { type: 'string' },
  'namespace-opt-out-label': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** `profile-guard native`: returns the exit code. */
export async function runNative(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const flags = parseFlags(argv, OPTIONS);
    if (flags.help === true) {
      io.stdout.write(NATIVE_USAGE);
      return EXIT_OK;
    }
    const policy: Policy =
      flags.policy === undefined
        ? EMBEDDED_DEFAULT_POLICY
        : await loadPolicyOrExplain(flags.policy);
    const optOut = flags['namespace-opt-out-label'];
    const generated = generateNativePolicies(
      policy,
      optOut === undefined ? {} : { namespaceOptOutLabel: optOut },
    );
    io.stdout.write(formatNativeYaml(policy, generated));
    return EXIT_OK;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`profile-guard native: ${error.message}\n`);
    return EXIT_USAGE;
  }
}

/**
 * The generated objects as YAML documents, after a comment naming the policy and listing the
 * rules left to the webhook. Lines are never folded, so a CEL expression stays one line.
 */
export function formatNativeYaml(policy: Policy, generated: NativePolicies): string {
  const header = [
    `# Native admission policies for ProfilePolicy ${JSON.stringify(policy.name)} (generation ${policy.generation}), by profile-guard native.`,
  ];
  const left = generated.rules.flatMap((rule) => (rule.native ? [] : [rule]));
  if (left.length > 0) {
    header.push('# Rules left to the webhook:');
    for (const rule of left) header.push(`#   ${rule.id}: ${rule.reason.replace(/\s+/g, ' ')}`);
  }
  const documents = generated.objects.map(
    (object) => `---\n${stringify(object, { lineWidth: 0 })}`,
  );
  return `${header.join('\n')}\n${documents.join('')}`;
}
