/**
 * A strict RFC 6902 applier for add/replace/remove, for tests only: it throws where the RFC says
 * the patch is in error (missing parent, replace/remove of a missing member), so a test that
 * applies our patches checks the paths as well as the result.
 */
export function applyJsonPatch(document: unknown, operations: readonly unknown[]): unknown {
  let root: unknown = structuredClone(document);
  for (const raw of operations) {
    const operation = raw as { op: string; path: string; value?: unknown };
    if (operation.path === '') {
      if (operation.op === 'remove') throw new Error('cannot remove the root');
      root = structuredClone(operation.value);
      continue;
    }
    if (!operation.path.startsWith('/')) throw new Error(`bad pointer ${operation.path}`);
    const tokens = operation.path
      .slice(1)
      .split('/')
      .map((token) => {
        if (/~[^01]|~$/.test(token)) throw new Error(`bad escape in ${operation.path}`);
        return token.replaceAll('~1', '/').replaceAll('~0', '~');
      });
    const last = tokens.pop() ?? '';
    let parent: unknown = root;
    for (const token of tokens) {
      parent = child(parent, token, operation.path);
    }
    if (Array.isArray(parent)) {
      const index = last === '-' ? parent.length : Number(last);
      if (!Number.isInteger(index) || index < 0) throw new Error(`bad index ${operation.path}`);
      if (operation.op === 'add') {
        if (index > parent.length) throw new Error(`index out of range ${operation.path}`);
        parent.splice(index, 0, structuredClone(operation.value));
      } else {
        if (index >= parent.length) throw new Error(`no element at ${operation.path}`);
        if (operation.op === 'remove') parent.splice(index, 1);
        else parent[index] = structuredClone(operation.value);
      }
    } else if (typeof parent === 'object' && parent !== null) {
      const record = parent as Record<string, unknown>;
      const exists = Object.hasOwn(record, last);
      if (operation.op !== 'add' && !exists) throw new Error(`no member at ${operation.path}`);
      if (operation.op === 'remove') Reflect.deleteProperty(record, last);
      else
        Object.defineProperty(record, last, {
          value: structuredClone(operation.value),
          enumerable: true,
          writable: true,
          configurable: true,
        });
    } else {
      throw new Error(`parent of ${operation.path} is not a container`);
    }
  }
  return root;
}

function child(parent: unknown, token: string, path: string): unknown {
  if (Array.isArray(parent)) {
    const index = Number(token);
    if (!Number.isInteger(index) || index < 0 || index >= parent.length) {
      throw new Error(`no element for ${path}`);
    }
    return parent[index];
  }
  if (typeof parent === 'object' && parent !== null && Object.hasOwn(parent, token)) {
    return (parent as Record<string, unknown>)[token];
  }
  throw new Error(`missing parent for ${path}`);
}
