/**
 * The two ways the attack table reaches the webhook, each answering with an {@link Outcome}:
 * through the API server as the actor (kubectl, `--dry-run=server`, so an attack that wrongly
 * gets through changes nothing), and as an AdmissionReview over HTTPS to `serve` itself (for a
 * Profile: /mutate, its patch applied, then /validate, in the API server's order).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';

import {
  parseDenials,
  parseWarnings,
  splitRuleMessages,
  type RuleMessage,
} from '../harness/admission.js';
import type { E2eEnv } from '../harness/e2e-env.js';
import { getObject, kubectl, type KubeObject, type KubectlOptions } from '../harness/kubectl.js';
import { PROFILE_CONTROLLER } from '../harness/kubeflow-objects.js';
import type { ScratchDir, Manifest } from '../harness/manifests.js';
import { RawJson, type Actor, type Step } from './tenant-attacks.js';

/** What one request got. */
export interface Outcome {
  readonly allowed: boolean;
  /** The webhook's denial: its `<rule-id>: <message>` entries. */
  readonly denial?: readonly RuleMessage[];
  /** Refused by the API server itself or by kubectl (no webhook decision): the message. */
  readonly refused?: string;
  /** Rule ids of the `<rule-id>: …` warnings. */
  readonly warnings: readonly string[];
  /** An allowed Profile as it would be stored: its labels and quota keys. */
  readonly profile?: {
    readonly labels: Readonly<Record<string, unknown>>;
    readonly hard: readonly string[];
  };
}

interface KindInfo {
  readonly group: string;
  readonly resource: string;
  readonly namespaced: boolean;
}

const KINDS: Readonly<Record<string, KindInfo>> = {
  Profile: { group: 'kubeflow.org', resource: 'profiles', namespaced: false },
  RoleBinding: { group: 'rbac.authorization.k8s.io', resource: 'rolebindings', namespaced: true },
  ClusterRoleBinding: {
    group: 'rbac.authorization.k8s.io',
    resource: 'clusterrolebindings',
    namespaced: false,
  },
  AuthorizationPolicy: {
    group: 'security.istio.io',
    resource: 'authorizationpolicies',
    namespaced: true,
  },
};

function kindOf(object: Manifest): KindInfo {
  const info = KINDS[String(object.kind)];
  if (info === undefined) throw new Error(`the attack table has no kind ${String(object.kind)}`);
  return info;
}

interface Meta {
  name: string;
  namespace?: string;
  [key: string]: unknown;
}
const metaOf = (object: Manifest): Meta => object.metadata as Meta;

/** `kubectl get`-style arguments naming the stored object. */
export function objectArgs(object: Manifest): string[] {
  const { group, resource, namespaced } = kindOf(object);
  const meta = metaOf(object);
  return [...(namespaced ? ['-n', meta.namespace ?? ''] : []), `${resource}.${group}`, meta.name];
}

/** JSON text of a manifest that may hold {@link RawJson} parts (spliced in verbatim). */
export function toJsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map((item) => toJsonText(item)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).filter(
      ([, item]) => item !== undefined,
    );
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${toJsonText(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A copy of the manifest's own structure ({@link RawJson} parts shared, never copied). */
function shallowTree<T>(value: T): T {
  if (value instanceof RawJson) return value;
  if (Array.isArray(value)) return value.map((item: unknown) => shallowTree(item)) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, item]) => [
        key,
        shallowTree(item),
      ]),
    ) as T;
  }
  return value;
}

/** Applies an RFC 6902 patch of add/replace/remove operations (what `/mutate` sends). */
function applyPatch(document: Manifest, operations: readonly unknown[]): Manifest {
  const root = shallowTree(document) as Record<string, unknown>;
  for (const raw of operations) {
    const { op, path, value } = raw as { op: string; path: string; value?: unknown };
    const tokens = path
      .slice(1)
      .split('/')
      .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
    const last = tokens.pop();
    let parent: unknown = root;
    for (const token of tokens) {
      if (parent instanceof RawJson) throw new Error(`the patch reaches into raw JSON at ${path}`);
      parent = (parent as Record<string, unknown>)[token];
    }
    if (last === undefined || typeof parent !== 'object' || parent === null) {
      throw new Error(`cannot apply ${op} at ${path}`);
    }
    if (Array.isArray(parent)) {
      const index = last === '-' ? parent.length : Number(last);
      if (op === 'add') parent.splice(index, 0, value);
      else if (op === 'replace') parent[index] = value;
      else parent.splice(index, 1);
    } else if (op === 'remove') {
      Reflect.deleteProperty(parent, last);
    } else {
      (parent as Record<string, unknown>)[last] = value;
    }
  }
  return root;
}

/** The labels and quota keys of a Profile (undefined for other kinds). */
function profileShape(object: unknown): Outcome['profile'] {
  if (typeof object !== 'object' || object === null) return undefined;
  const record = object as { kind?: unknown; metadata?: { labels?: unknown }; spec?: unknown };
  if (record.kind !== 'Profile') return undefined;
  const labels = (record.metadata?.labels ?? {}) as Record<string, unknown>;
  const spec = record.spec as { resourceQuotaSpec?: { hard?: unknown } } | undefined;
  const hardValue = spec?.resourceQuotaSpec?.hard;
  const hard = typeof hardValue === 'object' && hardValue !== null ? Object.keys(hardValue) : [];
  return { labels, hard };
}

function kubectlOptions(actor: Actor | undefined): KubectlOptions {
  if (actor === 'admin') return {};
  if (actor === 'controller') return { impersonate: PROFILE_CONTROLLER };
  return { as: 'alice' };
}

/** Runs `step` through the API server as its actor, with --dry-run=server. */
export async function throughApiServer(
  env: E2eEnv,
  scratch: ScratchDir,
  step: Step,
  label: string,
): Promise<Outcome> {
  const options = { ...kubectlOptions(step.as), timeoutMs: 120000 };
  let args: string[];
  if (step.op === 'delete') {
    args = ['delete', '--dry-run=server', ...objectArgs(step.object)];
  } else {
    let object = step.object;
    if (step.op === 'update') {
      const stored = await getObject(env, objectArgs(object));
      if (stored === undefined) {
        return { allowed: false, refused: 'the object to update does not exist', warnings: [] };
      }
      object = {
        ...object,
        metadata: { ...metaOf(object), resourceVersion: stored.metadata.resourceVersion },
      };
    }
    const file = join(scratch.path, `${label}.json`);
    writeFileSync(file, toJsonText(object));
    args = [
      step.op === 'create' ? 'create' : 'replace',
      '--dry-run=server',
      '-o',
      'json',
      '-f',
      file,
    ];
  }
  const result = await kubectl(env, args, options);
  const warnings = parseWarnings(result.stderr).map((warning) => warning.id);
  if (result.code === 0) {
    const printed: unknown = step.op === 'delete' ? undefined : JSON.parse(result.stdout);
    const profile = profileShape(printed);
    return { allowed: true, warnings, ...(profile === undefined ? {} : { profile }) };
  }
  const denial = parseDenials(result.stderr)[0];
  if (denial !== undefined) return { allowed: false, denial: denial.rules, warnings };
  return { allowed: false, refused: result.stderr.trim().slice(0, 300), warnings };
}

/** The identity the API server would send for an actor. */
function userInfo(actor: Actor | undefined): { username: string; groups: string[] } {
  if (actor === 'admin')
    return { username: 'admin', groups: ['system:masters', 'system:authenticated'] };
  if (actor === 'controller') {
    return { username: PROFILE_CONTROLLER.user, groups: [...PROFILE_CONTROLLER.groups] };
  }
  return { username: 'alice@example.com', groups: ['system:authenticated'] };
}

interface ReviewResponse {
  readonly allowed: boolean;
  readonly uid: string;
  readonly status?: { readonly message?: string };
  readonly warnings?: readonly string[];
  readonly patch?: string;
}

/** POSTs an AdmissionReview (JSON text) to the webhook; the parsed response. */
function post(
  env: E2eEnv,
  path: string,
  body: string,
): Promise<{ status: number; review: ReviewResponse | undefined; text: string }> {
  const managed = env.managed;
  if (managed === undefined) throw new Error('the HTTPS channel needs the managed environment');
  const url = new URL(path, managed.webhookUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        ca: readFileSync(join(managed.webhookCaDir, 'ca.crt')),
        headers: { 'content-type': 'application/json' },
        timeout: 60000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let review: ReviewResponse | undefined;
          try {
            review = (JSON.parse(text) as { response?: ReviewResponse }).response;
          } catch {
            review = undefined;
          }
          resolve({ status: res.statusCode ?? 0, review, text });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${path}: no answer within 60 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** The AdmissionReview the API server would send for `object`/`oldObject`. */
function reviewText(
  step: Step,
  object: Manifest | undefined,
  oldObject: Manifest | undefined,
  uid: string,
): string {
  const named = object ?? oldObject ?? step.object;
  const { group, resource, namespaced } = kindOf(named);
  const apiVersion = String(named.apiVersion);
  const version = apiVersion.includes('/') ? apiVersion.split('/')[1]! : apiVersion;
  const meta = metaOf(named);
  const request = {
    uid,
    kind: { group, version, kind: String(named.kind) },
    resource: { group, version, resource },
    requestKind: { group, version, kind: String(named.kind) },
    requestResource: { group, version, resource },
    name: meta.name,
    ...(namespaced ? { namespace: meta.namespace } : {}),
    operation: step.op.toUpperCase(),
    userInfo: userInfo(step.as),
    object: object ?? null,
    oldObject: oldObject ?? null,
    dryRun: true,
  };
  return toJsonText({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request });
}

/** The stored object `step` updates or deletes, with the metadata the API server keeps. */
async function storedFor(env: E2eEnv, step: Step): Promise<KubeObject | undefined> {
  if (step.op === 'create') return undefined;
  return getObject(env, objectArgs(step.object));
}

/**
 * Sends `step` as AdmissionReviews to `serve` over HTTPS, as the API server would: for a Profile
 * CREATE/UPDATE, /mutate first and its patch applied (unless `skipMutate`), then /validate.
 */
export async function overHttps(env: E2eEnv, step: Step, skipMutate = false): Promise<Outcome> {
  const stored = await storedFor(env, step);
  if (step.op !== 'create' && stored === undefined) {
    return {
      allowed: false,
      refused: 'the object to update or delete does not exist',
      warnings: [],
    };
  }
  let object: Manifest | undefined;
  if (step.op !== 'delete') {
    object = step.object;
    if (stored !== undefined) {
      const { uid, creationTimestamp, resourceVersion, generation, managedFields } =
        stored.metadata;
      object = {
        ...object,
        metadata: {
          ...metaOf(object),
          uid,
          creationTimestamp,
          resourceVersion,
          generation,
          managedFields,
        },
      };
    }
  }
  if (object?.kind === 'Profile' && !skipMutate) {
    const uid = randomUUID();
    const mutated = await post(env, '/mutate', reviewText(step, object, stored, uid));
    const review = mutated.review;
    if (mutated.status !== 200 || review?.uid !== uid) {
      return {
        allowed: false,
        refused: `/mutate: HTTP ${mutated.status} ${mutated.text.slice(0, 300)}`,
        warnings: [],
      };
    }
    if (!review.allowed) {
      return {
        allowed: false,
        denial: splitRuleMessages(review.status?.message ?? ''),
        warnings: [],
      };
    }
    if (review.patch !== undefined) {
      const operations = JSON.parse(
        Buffer.from(review.patch, 'base64').toString('utf8'),
      ) as unknown[];
      object = applyPatch(object, operations);
    }
  }
  const uid = randomUUID();
  const validated = await post(env, '/validate', reviewText(step, object, stored, uid));
  const review = validated.review;
  if (validated.status !== 200 || review?.uid !== uid) {
    return {
      allowed: false,
      refused: `/validate: HTTP ${validated.status} ${validated.text.slice(0, 300)}`,
      warnings: [],
    };
  }
  const warnings = (review.warnings ?? []).map((warning) => warning.split(':')[0] ?? '');
  if (!review.allowed) {
    const message = review.status?.message ?? '';
    let denial: readonly RuleMessage[];
    try {
      denial = splitRuleMessages(message);
    } catch {
      return {
        allowed: false,
        refused: `/validate denied without rule ids: ${message.slice(0, 300)}`,
        warnings,
      };
    }
    return { allowed: false, denial, warnings };
  }
  const profile = profileShape(object);
  return { allowed: true, warnings, ...(profile === undefined ? {} : { profile }) };
}
