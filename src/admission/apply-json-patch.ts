import jsonpatch, { type Operation } from 'fast-json-patch';

import type { JsonPatchOperation } from './json-patch.js';

/**
 * Applies an RFC 6902 patch to a copy of `document`, as the API server applies a mutating
 * webhook's patch, and returns the patched copy; `document` and `patch` are left as they are.
 * fast-json-patch does the work with its validation on: an operation whose path does not
 * resolve (a missing parent for `add`, a missing member for `replace` or `remove`) throws, as
 * the API server refuses such a patch, so nothing applying our patches can hide a bad one; a path
 * through `__proto__` or `constructor/prototype` throws too.
 */
export function applyJsonPatch(document: unknown, patch: readonly JsonPatchOperation[]): unknown {
  const operations = jsonpatch.deepClone(patch) as Operation[];
  return jsonpatch.applyPatch(document, operations, true, false).newDocument;
}
