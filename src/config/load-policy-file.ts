import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { parsePolicyDocument, type PolicyParseResult } from './parse-policy.js';

/**
 * Parses the text of a policy file (YAML or JSON; JSON is YAML). `path` only names the source in
 * messages. Exactly one non-empty document is required; syntax errors carry `path:line:column`.
 */
export function parsePolicyText(text: string, path: string): PolicyParseResult {
  const documents = parseAllDocuments(text);
  const syntaxErrors = documents.flatMap((document) =>
    document.errors.map((error) => {
      const position = error.linePos?.[0];
      const where = position ? `${path}:${position.line}:${position.col}` : path;
      const message = (error.message.split('\n')[0] ?? '').replace(
        / at line \d+, column \d+:$/,
        '',
      );
      return `${where}: ${message}`;
    }),
  );
  if (syntaxErrors.length > 0) return { ok: false, errors: syntaxErrors };
  // A bare `---` or a trailing separator makes an empty (null) document; it holds no policy.
  const nonEmpty = documents
    .map((document) => document.toJS() as unknown)
    .filter((value) => value !== null && value !== undefined);
  if (nonEmpty.length !== 1) {
    const found = nonEmpty.length === 0 ? 'no document' : `${nonEmpty.length} documents`;
    return {
      ok: false,
      errors: [`${path}: ${found} found; a policy file holds exactly one ProfilePolicy`],
    };
  }
  return parsePolicyDocument(nonEmpty[0]);
}

/**
 * Reads a ProfilePolicy file (YAML or JSON) and parses it with {@link parsePolicyDocument}.
 * An unreadable file is an error naming the path; never throws.
 */
export async function loadPolicyFile(path: string): Promise<PolicyParseResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return { ok: false, errors: [`${path}: cannot read policy file (${describeIoError(error)})`] };
  }
  return parsePolicyText(text, path);
}

/** A short reason for a failed read, e.g. `ENOENT: no such file or directory`. */
export function describeIoError(error: unknown): string {
  // Duck-typed: errors from another realm (a test VM, a worker) are not `instanceof Error`.
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof message !== 'string') return String(error);
  // Node's message repeats the code and the path, which the caller already names.
  const reason = message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '');
  return typeof code === 'string' ? `${code}: ${reason}` : reason;
}
