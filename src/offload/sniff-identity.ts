/** How far into a body {@link sniffIdentity} looks. */
export const SNIFF_BYTES = 1024;

/** A review's uid and apiVersion, as read from the start of its body. */
export interface SniffedIdentity {
  readonly uid: string;
  readonly apiVersion: 'admission.k8s.io/v1' | 'admission.k8s.io/v1beta1';
}

// The API server writes the envelope first: `{"kind":"AdmissionReview","apiVersion":"…",
// "request":{"uid":"…",…`; the object (the only part a client shapes) comes after the uid.
const UID = /"request"\s*:\s*\{\s*"uid"\s*:\s*"([0-9A-Za-z-]{1,128})"/;
const API_VERSION = /"apiVersion"\s*:\s*"(admission\.k8s\.io\/v1(?:beta1)?)"/;

/**
 * The uid and apiVersion of a review, read from its first {@link SNIFF_BYTES} bytes without
 * parsing the body: what a request denied before the decision worker decoded it (queue full,
 * worker lost) is answered to, so that the API server reads a denial rather than a failed call
 * (which `failurePolicy: Ignore` would let through). Undefined unless both are found there, as
 * the API server writes them. Linear in the bounded prefix.
 */
export function sniffIdentity(bytes: Uint8Array): SniffedIdentity | undefined {
  const head = Buffer.from(
    bytes.buffer,
    bytes.byteOffset,
    Math.min(bytes.byteLength, SNIFF_BYTES),
  ).toString('latin1');
  const uid = UID.exec(head)?.[1];
  const apiVersion = API_VERSION.exec(head)?.[1];
  if (uid === undefined || apiVersion === undefined) return undefined;
  return { uid, apiVersion: apiVersion as SniffedIdentity['apiVersion'] };
}
