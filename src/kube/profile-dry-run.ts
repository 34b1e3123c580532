import { ApiException, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { asRecord, asString } from '../policy/object-access.js';

/** What the API server answered to a dry-run create of a Profile. */
export type ProfileDryRunAnswer =
  /** Admitted (nothing stored): the object as it would have been stored, and any warnings. */
  | { readonly kind: 'admitted'; readonly object: unknown; readonly warnings: readonly string[] }
  /** Refused: the HTTP status and the Status message (a webhook's denial, RBAC, a failed call). */
  | { readonly kind: 'refused'; readonly status: number; readonly message: string };

/** Sends Profiles to the API server as `kubectl create --dry-run=server` does. */
export interface ProfileDryRun {
  /** Rejects only when the API server cannot be reached (no HTTP answer). */
  create(profile: Readonly<Record<string, unknown>>): Promise<ProfileDryRunAnswer>;
}

/**
 * The client-node {@link ProfileDryRun}: `POST /apis/kubeflow.org/v1/profiles?dryRun=All`. The
 * request passes authentication, RBAC and every admission step (webhooks included) and stores
 * nothing; the answer carries the API server's `Warning` headers, where admission warnings go.
 */
export function createProfileDryRun(config: KubeConfig): ProfileDryRun {
  const api = config.makeApiClient(CustomObjectsApi);
  return {
    async create(profile) {
      try {
        const answer = await api.createClusterCustomObjectWithHttpInfo({
          group: 'kubeflow.org',
          version: 'v1',
          plural: 'profiles',
          body: profile,
          dryRun: 'All',
        });
        return {
          kind: 'admitted',
          object: answer.data,
          warnings: parseWarningHeader(answer.headers.warning ?? ''),
        };
      } catch (error) {
        if (!(error instanceof ApiException)) throw error;
        return { kind: 'refused', status: error.code, message: statusMessage(error.body) };
      }
    },
  };
}

/** The `message` of a Status body (JSON text or object), else the body as text. */
function statusMessage(body: unknown): string {
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return body;
    }
  }
  return asString(asRecord(parsed)?.message) ?? String(body);
}

/**
 * The texts of an HTTP `Warning` header (RFC 7234: `299 - "text"`, several joined by `, ` when
 * the header repeats), in order. One left-to-right pass; a backslash escapes the next character.
 */
export function parseWarningHeader(header: string): string[] {
  const texts: string[] = [];
  let inside = false;
  let current = '';
  for (let i = 0; i < header.length; i++) {
    const char = header.charAt(i);
    if (!inside) {
      if (char === '"') {
        inside = true;
        current = '';
      }
      continue;
    }
    if (char === '\\' && i + 1 < header.length) {
      i += 1;
      current += header.charAt(i);
    } else if (char === '"') {
      inside = false;
      texts.push(current);
    } else {
      current += char;
    }
  }
  return texts;
}
