/** One step of a field path: an object key or an array index. */
export type PathSegment = string | number;

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * Renders a field path in dotted form for messages: `spec.profiles.quota.max.cpu`,
 * `spec.exemptions.serviceAccounts[0]`, and keys that are not plain words in brackets
 * (`spec.profiles.labels["app.kubernetes.io/part-of"]`). The empty path is `policy`.
 */
export function formatFieldPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out === '' ? 'policy' : out;
}
