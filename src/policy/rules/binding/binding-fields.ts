import type { KubeObject } from '../../kube-object.js';
import { asRecord, asString, getPath } from '../../object-access.js';
import { DeferredViolation } from '../../rule.js';
import { indexPath, listValues, quoteValue } from '../../validation-helpers.js';

/**
 * One entry of `subjects`, fields read defensively (absent or non-string => undefined); `kind`
 * in RBAC's spelling whatever its case (see {@link subjectKind}).
 */
export interface Subject {
  readonly index: number;
  readonly kind: string | undefined;
  readonly name: string | undefined;
  readonly namespace: string | undefined;
}

/**
 * `subjects` entries in order; non-object entries are kept (all fields undefined) for indexing.
 * Every binding rule walks the same list: it is read once per list (objects are never edited
 * while they are judged), so 100 000 subjects are read once per request, not once per rule.
 */
export function subjectsOf(object: KubeObject): readonly Subject[] {
  const subjects = object.subjects;
  if (!Array.isArray(subjects) || subjects.length === 0) return NO_SUBJECTS;
  const known = subjectLists.get(subjects);
  if (known !== undefined) return known;
  const list = subjects as readonly unknown[];
  const out: Subject[] = new Array<Subject>(list.length);
  for (let index = 0; index < list.length; index++) {
    const record = asRecord(list[index]) ?? NO_RECORD;
    out[index] = {
      index,
      kind: subjectKind(asString(record.kind)),
      name: asString(record.name),
      namespace: nonEmpty(asString(record.namespace)),
    };
  }
  subjectLists.set(subjects, out);
  return out;
}

/** What a non-object subject is read as: no fields. */
const NO_RECORD: Readonly<Record<string, unknown>> = Object.freeze({});

const NO_SUBJECTS: readonly Subject[] = Object.freeze([]);

/** RBAC's subject kinds by their lower-case spelling. */
const SUBJECT_KINDS: ReadonlyMap<string, string> = new Map([
  ['user', 'User'],
  ['group', 'Group'],
  ['serviceaccount', 'ServiceAccount'],
]);

/**
 * A subject's kind as the rules judge it: a spelling of `User`, `Group` or `ServiceAccount` in
 * another case (`user`, `SERVICEACCOUNT`) is judged as that kind. The API server refuses such a
 * subject before any validating webhook sees it, but a review sent straight to the webhook, or
 * `check`, must not allow `{kind: user, name: system:anonymous}` that its rules would deny
 * spelt `User`: the rules err towards what a spelling may mean, as they do for
 * AuthorizationPolicy condition keys. Any other kind is kept as written (RBAC matches nothing).
 */
function subjectKind(kind: string | undefined): string | undefined {
  // RBAC's own spellings, which nearly every subject has, are returned without lower-casing.
  if (kind === undefined || kind === 'User' || kind === 'Group' || kind === 'ServiceAccount') {
    return kind;
  }
  return SUBJECT_KINDS.get(kind.toLowerCase()) ?? kind;
}

/** {@link subjectsOf} by `subjects` list. */
const subjectLists = new WeakMap<object, readonly Subject[]>();

/** `roleRef.kind` and `roleRef.name` (undefined when absent or not strings). */
export function roleRefOf(object: KubeObject): {
  readonly kind: string | undefined;
  readonly name: string | undefined;
} {
  return {
    kind: asString(getPath(object, 'roleRef', 'kind')),
    name: asString(getPath(object, 'roleRef', 'name')),
  };
}

/** The user name prefix Kubernetes gives ServiceAccounts: `system:serviceaccount:<ns>:<name>`. */
export const SERVICE_ACCOUNT_USER_PREFIX = 'system:serviceaccount:';

/** The group prefix of all ServiceAccounts of a namespace: `system:serviceaccounts:<ns>`. */
export const SERVICE_ACCOUNT_GROUP_PREFIX = 'system:serviceaccounts:';

/**
 * The namespace of the ServiceAccount a subject names, if it names one: a `ServiceAccount`
 * subject (its namespace defaulting to the binding's), or a `User` subject spelled as a
 * ServiceAccount's user name, which RBAC matches exactly like the ServiceAccount itself.
 */
export function serviceAccountNamespace(
  subject: Subject,
  bindingNamespace: string,
): string | undefined {
  if (subject.kind === 'ServiceAccount') return subject.namespace ?? bindingNamespace;
  if (subject.kind === 'User' && subject.name?.startsWith(SERVICE_ACCOUNT_USER_PREFIX) === true) {
    const rest = subject.name.slice(SERVICE_ACCOUNT_USER_PREFIX.length);
    const colon = rest.indexOf(':');
    return colon < 0 ? rest : rest.slice(0, colon);
  }
  return undefined;
}

/** True for a `User` subject that names a person (not a ServiceAccount's user name). */
export function isPersonUser(subject: Subject): subject is Subject & { readonly name: string } {
  return (
    subject.kind === 'User' &&
    subject.name !== undefined &&
    !subject.name.startsWith(SERVICE_ACCOUNT_USER_PREFIX)
  );
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/**
 * A violation at `subjects[index].<field>` (`name` unless said), in one allocation: a binding may
 * have 100 000 offending subjects, of which the engine reports 20, so the path and message are
 * written only when read. A rule's subclass writes the message.
 */
export abstract class SubjectViolation extends DeferredViolation {
  constructor(
    protected readonly subject: Subject,
    private readonly field: 'name' | 'namespace' = 'name',
  ) {
    super();
  }

  protected writePath(): string {
    return `${indexPath('subjects', this.subject.index)}.${this.field}`;
  }
}

/**
 * A User or Group subject named in `bindings.forbiddenUsers` / `bindings.forbiddenGroups` (path
 * and message written when read): the violation `binding-forbidden-user` and `binding-group`
 * share.
 */
export class ForbiddenSubject extends SubjectViolation {
  constructor(
    subject: Subject,
    private readonly what: 'user' | 'group',
    private readonly forbidden: readonly string[],
  ) {
    super(subject);
  }

  protected writeMessage(path: string): string {
    const field = this.what === 'user' ? 'forbiddenUsers' : 'forbiddenGroups';
    return `${path} ${quoteValue(this.subject.name)} is a forbidden ${this.what} (bindings.${field}: ${listValues(this.forbidden)})`;
  }
}
