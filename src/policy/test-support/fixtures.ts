import type { KubeObject } from '../kube-object.js';
import type { AdmissionInput, Operation, TargetKind, UserInfo } from '../request.js';

/** A non-exempt caller, as used across rule tables. */
export const ALICE: UserInfo = { username: 'alice@example.com', groups: ['system:authenticated'] };

/** Builds an AdmissionInput for tests with sensible defaults. */
export function input(
  target: TargetKind,
  object: KubeObject | undefined,
  options: {
    operation?: Operation;
    oldObject?: KubeObject;
    user?: UserInfo;
    namespace?: string;
    dryRun?: boolean;
    apiVersion?: string;
  } = {},
): AdmissionInput {
  const source = object ?? options.oldObject;
  const metadata = source?.metadata;
  const name = typeof metadata?.name === 'string' ? metadata.name : '';
  const namespace =
    options.namespace ?? (typeof metadata?.namespace === 'string' ? metadata.namespace : '');
  return {
    uid: 'test-uid',
    target,
    apiVersion:
      options.apiVersion ?? (typeof source?.apiVersion === 'string' ? source.apiVersion : 'v1'),
    operation: options.operation ?? 'CREATE',
    name,
    namespace,
    object,
    oldObject: options.oldObject,
    user: options.user ?? ALICE,
    dryRun: options.dryRun ?? false,
  };
}
