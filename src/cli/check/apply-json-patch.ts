import type { JsonPatchOperation } from '../../admission/json-patch.js';

/**
 * Applies an RFC 6902 patch of `add`, `replace` and `remove` operations (the ones the webhook
 * emits) to a deep clone of `document`, as the API server applies a mutating webhook's patch.
 * Throws when a path does not resolve: `check` must not hide a patch the API server would reject.
 */
export function applyJsonPatch(document: unknown, patch: readonly JsonPatchOperation[]): unknown {
  let root: unknown = structuredClone(document);
  for (const operation of patch) {
    const tokens = parsePointer(operation.path);
    const last = tokens.at(-1);
    if (last === undefined) {
      if (operation.op === 'remove') throw new Error('cannot remove the whole document');
      root = structuredClone(operation.value);
      continue;
    }
    const parent = resolve(root, tokens.slice(0, -1), operation.path);
    if (Array.isArray(parent)) {
      applyToArray(parent, last, operation);
    } else {
      applyToObject(parent, last, operation);
    }
  }
  return root;
}

function applyToObject(
  parent: Record<string, unknown>,
  key: string,
  operation: JsonPatchOperation,
): void {
  if (operation.op !== 'add' && !Object.hasOwn(parent, key)) {
    throw new Error(`${operation.op} ${operation.path}: no such member`);
  }
  if (operation.op === 'remove') {
    // A computed delete on a plain JSON object is exactly RFC 6902's `remove`.
    // eslint-disable-next-line @typescript-eslint/no-dynamic-delete
    delete parent[key];
  } else {
    parent[key] = structuredClone(operation.value);
  }
}

function applyToArray(parent: unknown[], token: string, operation: JsonPatchOperation): void {
  const index = token === '-' && operation.op === 'add' ? parent.length : arrayIndex(token);
  const limit = operation.op === 'add' ? parent.length : parent.length - 1;
  if (index === undefined || index > limit) {
    throw new Error(`${operation.op} ${operation.path}: index out of range`);
  }
  if (operation.op === 'add') parent.splice(index, 0, structuredClone(operation.value));
  else if (operation.op === 'replace') parent[index] = structuredClone(operation.value);
  else parent.splice(index, 1);
}

function resolve(
  root: unknown,
  tokens: readonly string[],
  path: string,
): Record<string, unknown> | unknown[] {
  let current: unknown = root;
  for (const token of tokens) {
    if (Array.isArray(current)) {
      const index = arrayIndex(token);
      current = index === undefined ? undefined : current[index];
    } else if (isRecord(current) && Object.hasOwn(current, token)) {
      current = current[token];
    } else {
      current = undefined;
    }
    if (current === undefined) throw new Error(`${path}: parent does not exist`);
  }
  if (Array.isArray(current) || isRecord(current)) return current;
  throw new Error(`${path}: parent is not an object or array`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function arrayIndex(token: string): number | undefined {
  return /^(0|[1-9]\d*)$/.test(token) ? Number(token) : undefined;
}

/** RFC 6901: `/a~1b/c~0d` -> [`a/b`, `c~d`]. */
function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`not a JSON pointer: ${JSON.stringify(pointer)}`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}
