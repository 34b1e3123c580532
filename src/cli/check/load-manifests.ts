import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { LineCounter, parseAllDocuments } from 'yaml';

import type { KubeObject } from '../../policy/kube-object.js';
import { UsageError } from '../usage-error.js';
import { errorMessage } from '../../util/error-message.js';

/** File name endings read when walking a directory. A file named explicitly is read whatever its name. */
export const MANIFEST_EXTENSIONS: readonly string[] = Object.freeze(['.yaml', '.yml', '.json']);

/** The path that means standard input. */
export const STDIN_PATH = '-';

/** One Kubernetes object found in the input, with where it came from. */
export interface ManifestObject {
  /** The file as found (`-` for standard input). */
  readonly file: string;
  /** 0-based index of the YAML document in the file. */
  readonly docIndex: number;
  /** 0-based index in `items` when the document is a `List`. */
  readonly itemIndex?: number;
  /** 1-based line where the document starts. */
  readonly line: number;
  readonly object: KubeObject & { readonly apiVersion: string; readonly kind: string };
}

/**
 * Reads every manifest under `paths` (files, or directories walked recursively for
 * {@link MANIFEST_EXTENSIONS}, in name order, skipping dot-entries). Multi-document YAML and JSON
 * are accepted; `List` objects are flattened into their items; empty documents are skipped.
 * Throws a {@link UsageError} naming the file (and line) for a missing path, a YAML syntax error
 * or a document that is not a Kubernetes object.
 */
export async function loadManifests(
  paths: readonly string[],
  readStdin?: () => Promise<string>,
): Promise<ManifestObject[]> {
  const out: ManifestObject[] = [];
  for (const path of paths) {
    if (path === STDIN_PATH) {
      if (readStdin === undefined) throw new UsageError('-: standard input is not available');
      out.push(...parseManifests(await readStdin(), STDIN_PATH));
      continue;
    }
    for (const file of await manifestFiles(path)) {
      out.push(...parseManifests(await readText(file), file));
    }
  }
  return out;
}

/** The files `path` stands for: itself, or the manifests below it. */
export async function manifestFiles(path: string): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw new UsageError(`${path}: ${fsReason(error)}`);
  }
  if (!info.isDirectory()) return [path];
  const files: string[] = [];
  await walk(path, files);
  return files;
}

async function walk(dir: string, files: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw new UsageError(`${dir}: ${fsReason(error)}`);
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    // Symbolic links are followed to files only: a linked directory could loop.
    const isFile = entry.isFile() || (entry.isSymbolicLink() && (await isRegularFile(path)));
    if (entry.isDirectory()) await walk(path, files);
    else if (isFile && MANIFEST_EXTENSIONS.some((ext) => entry.name.endsWith(ext))) {
      files.push(path);
    }
  }
}

async function isRegularFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`${file}: ${fsReason(error)}`);
  }
}

/**
 * Parses the text of one file. Exported for `--state` and tests; `file` only labels messages
 * and results.
 */
export function parseManifests(text: string, file: string): ManifestObject[] {
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  const documents = Array.isArray(parsed) ? parsed : [];
  const out: ManifestObject[] = [];
  documents.forEach((document, docIndex) => {
    const error = document.errors[0];
    if (error !== undefined) {
      const { line, col } = lineCounter.linePos(error.pos[0]);
      throw new UsageError(
        `${file}:${line}:${col}: YAML syntax error: ${firstLine(error.message)}`,
      );
    }
    const line = lineCounter.linePos(document.range[0]).line;
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: 100 });
    } catch (cause) {
      throw new UsageError(`${file}:${line}: document ${docIndex}: ${errorText(cause)}`);
    }
    if (value === null || value === undefined) return;
    const object = asManifest(value, `${file}:${line}: document ${docIndex}`);
    const items = listItems(object);
    if (items === undefined) {
      out.push({ file, docIndex, line, object });
      return;
    }
    items.forEach((item, itemIndex) => {
      const where = `${file}:${line}: document ${docIndex} item ${itemIndex}`;
      out.push({ file, docIndex, itemIndex, line, object: asManifest(item, where) });
    });
  });
  return out;
}

/** `kind: List` (or any `*List` kind) with an `items` array: the items. */
function listItems(object: ManifestObject['object']): readonly unknown[] | undefined {
  if (!object.kind.endsWith('List')) return undefined;
  return Array.isArray(object.items) ? object.items : undefined;
}

function asManifest(value: unknown, where: string): ManifestObject['object'] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(`${where}: not a Kubernetes object (a mapping is expected)`);
  }
  const record = value as KubeObject;
  if (typeof record.apiVersion !== 'string' || record.apiVersion === '') {
    throw new UsageError(`${where}: not a Kubernetes object (apiVersion is missing)`);
  }
  if (typeof record.kind !== 'string' || record.kind === '') {
    throw new UsageError(`${where}: not a Kubernetes object (kind is missing)`);
  }
  return record as ManifestObject['object'];
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? text;
  return line.replace(/ at line \d+, column \d+:?$/, '');
}

function errorText(error: unknown): string {
  return firstLine(errorMessage(error));
}

function fsReason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return errorText(error);
}
