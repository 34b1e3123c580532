import { UNKNOWN, type DecisionInput } from '../observability/decision-record.js';
import type { Operation } from '../policy/request.js';
import { groupVersion, targetKind } from './dispatch.js';

/** How far into a body {@link sniffIdentity} and {@link sniffRequest} look. */
export const SNIFF_BYTES = 1024;

/** A review's uid and apiVersion, as read from the start of its body. */
export interface SniffedIdentity {
  readonly uid: string;
  readonly apiVersion: 'admission.k8s.io/v1' | 'admission.k8s.io/v1beta1';
}

/**
 * What {@link sniffRequest} could read of a review's request from the start of its body; each
 * member is undefined when it was not found there in the expected shape.
 */
export interface SniffedRequest {
  readonly identity: SniffedIdentity | undefined;
  readonly kind:
    { readonly group: string; readonly version: string; readonly kind: string } | undefined;
  readonly operation: Operation | undefined;
  readonly name: string | undefined;
  readonly namespace: string | undefined;
  readonly username: string | undefined;
}

// The API server writes the envelope first: `{"kind":"AdmissionReview","apiVersion":"…",
// "request":{"uid":"…","kind":{…},…,"name":"…","namespace":"…","operation":"…","userInfo":
// {"username":"…",…},"object":…` (the order of the Go struct's fields); the object (the only part a
// client shapes) comes after them. Each pattern starts with a quote and names a key: inside a JSON
// string every quote is escaped, so none can match within a string value. Values are read only
// in the shapes the API server writes (DNS names, kinds, the four operations), the username as
// one JSON string of at most 256 characters.
const UID = /"request"\s*:\s*\{\s*"uid"\s*:\s*"([0-9A-Za-z-]{1,128})"/;
const API_VERSION = /"apiVersion"\s*:\s*"(admission\.k8s\.io\/v1(?:beta1)?)"/;
const KIND =
  /"kind"\s*:\s*\{\s*"group"\s*:\s*"([a-z0-9.-]{0,253})"\s*,\s*"version"\s*:\s*"([a-z0-9]{1,63})"\s*,\s*"kind"\s*:\s*"([A-Za-z0-9]{1,63})"\s*\}/;
const OPERATION = /"operation"\s*:\s*"(CREATE|UPDATE|DELETE|CONNECT)"/;
const NAME = /"name"\s*:\s*"([a-z0-9.-]{1,253})"/;
const NAMESPACE = /"namespace"\s*:\s*"([a-z0-9-]{1,63})"/;
const USERNAME = /"userInfo"\s*:\s*\{\s*"username"\s*:\s*("(?:[^"\\]|\\["\\/bfnrtu])+")/;
/** Where the objects start: nothing from there on is read (a client shapes it). */
const OBJECTS = /"(?:object|oldObject)"\s*:/;
const MAX_USERNAME = 256;

/** The first {@link SNIFF_BYTES} bytes of `bytes` as text, never reading outside the view. */
function head(bytes: Uint8Array): string {
  return Buffer.from(
    bytes.buffer,
    bytes.byteOffset,
    Math.min(bytes.byteLength, SNIFF_BYTES),
  ).toString('latin1');
}

/**
 * The uid and apiVersion of a review, read from its first {@link SNIFF_BYTES} bytes without
 * parsing the body: what a request denied before the decision worker decoded it (queue full,
 * worker lost) is answered to, so that the API server reads a denial rather than a failed call
 * (which `failurePolicy: Ignore` would let through). Undefined unless both are found there, as
 * the API server writes them, before the objects start. Linear in the bounded prefix.
 */
export function sniffIdentity(bytes: Uint8Array): SniffedIdentity | undefined {
  return identityIn(envelopeOf(bytes));
}

/** The start of the body up to where its objects start (or its first {@link SNIFF_BYTES}). */
function envelopeOf(bytes: Uint8Array): string {
  const whole = head(bytes);
  const objects = OBJECTS.exec(whole);
  return objects === null ? whole : whole.slice(0, objects.index);
}

function identityIn(text: string): SniffedIdentity | undefined {
  const uid = UID.exec(text)?.[1];
  const apiVersion = API_VERSION.exec(text)?.[1];
  if (uid === undefined || apiVersion === undefined) return undefined;
  return { uid, apiVersion: apiVersion as SniffedIdentity['apiVersion'] };
}

/**
 * {@link sniffIdentity}, and what else of the request its envelope says before the objects
 * start, within the first {@link SNIFF_BYTES} bytes: its kind, operation, name, namespace and
 * username. What a request denied before the worker decoded it is reported with (its decision
 * record), without decoding the body on the main thread. A member not found there, or not in the
 * shape the API server writes it, is undefined. Linear in the bounded prefix.
 */
export function sniffRequest(bytes: Uint8Array): SniffedRequest {
  const envelope = envelopeOf(bytes);
  const kind = KIND.exec(envelope);
  return {
    identity: identityIn(envelope),
    kind:
      kind === null
        ? undefined
        : { group: kind[1] ?? '', version: kind[2] ?? '', kind: kind[3] ?? '' },
    operation: OPERATION.exec(envelope)?.[1] as Operation | undefined,
    name: NAME.exec(envelope)?.[1],
    namespace: NAMESPACE.exec(envelope)?.[1],
    username: username(USERNAME.exec(envelope)?.[1]),
  };
}

/** The username's JSON string decoded, when it is one of at most {@link MAX_USERNAME} characters. */
function username(json: string | undefined): string | undefined {
  if (json === undefined || json.length > MAX_USERNAME * 6 + 2) return undefined;
  try {
    const text: unknown = JSON.parse(Buffer.from(json, 'latin1').toString('utf8'));
    return typeof text === 'string' && text.length <= MAX_USERNAME ? text : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The decision record's input for a request whose body was never decoded (the decision worker
 * never read it, or it held more JSON tokens than are decoded): what the start of its body said
 * (see `sniffRequest`), {@link UNKNOWN} for the rest. Its namespace is empty (cluster
 * scoped) when the operation, written after it, was read and it was not; `dryRun` (written after
 * the objects) reads false, and the user's groups empty.
 */
export function sniffedInput(sniffed: SniffedRequest): DecisionInput {
  const { kind, operation } = sniffed;
  return {
    uid: sniffed.identity?.uid ?? UNKNOWN,
    target: kind === undefined ? undefined : targetKind(kind),
    apiVersion: kind === undefined ? UNKNOWN : groupVersion(kind),
    kind: kind?.kind ?? UNKNOWN,
    operation: operation ?? UNKNOWN,
    name: sniffed.name ?? UNKNOWN,
    namespace: sniffed.namespace ?? (operation === undefined ? UNKNOWN : ''),
    user: { username: sniffed.username ?? UNKNOWN, groups: [] },
    dryRun: false,
    object: undefined,
  };
}
