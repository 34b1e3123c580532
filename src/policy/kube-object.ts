/**
 * The loose shape of a Kubernetes object as it arrives in an AdmissionReview. Everything is
 * optional and leaves are `unknown`: the webhook must survive any JSON a client can send, so rules
 * read fields through the accessors in `object-access.ts` instead of trusting this shape.
 */
export interface KubeObject {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: ObjectMeta;
  [field: string]: unknown;
}

/** The parts of ObjectMeta the webhook reads (all optional, all untrusted). */
export interface ObjectMeta {
  name?: unknown;
  namespace?: unknown;
  labels?: unknown;
  annotations?: unknown;
  finalizers?: unknown;
  ownerReferences?: unknown;
  [field: string]: unknown;
}
