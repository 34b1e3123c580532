import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { stringify } from 'yaml';

/** A manifest as a plain object. */
export type Manifest = Readonly<Record<string, unknown>>;

/** A kubeflow.org/v1 Profile owned by the User `owner`. */
export function profile(
  name: string,
  owner: string,
  extra: { labels?: Record<string, string>; spec?: Record<string, unknown> } = {},
): Manifest {
  return {
    apiVersion: 'kubeflow.org/v1',
    kind: 'Profile',
    metadata: { name, ...(extra.labels === undefined ? {} : { labels: extra.labels }) },
    spec: { owner: { kind: 'User', name: owner }, ...extra.spec },
  };
}

/** Multi-document YAML, as a person or a GitOps tool keeps it in a file. */
export function toYaml(objects: readonly Manifest[]): string {
  return objects.map((object) => `---\n${stringify(object)}`).join('');
}

/**
 * A temporary directory for manifest files, made on first use (jest skips afterAll when every
 * test of a file is skipped, so an eager directory would be left behind); `remove()` deletes it.
 */
export class ScratchDir {
  #path: string | undefined;

  get path(): string {
    this.#path ??= mkdtempSync(join(tmpdir(), 'profile-guard-e2e-manifests-'));
    return this.#path;
  }

  /** Writes `objects` as multi-document YAML to `<dir>/<name>` (name may hold `/`); returns the path. */
  write(name: string, objects: readonly Manifest[]): string {
    const file = join(this.path, name);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, toYaml(objects));
    return file;
  }

  remove(): void {
    if (this.#path !== undefined) rmSync(this.#path, { recursive: true, force: true });
    this.#path = undefined;
  }
}
