import {
  CoreV1Api,
  CustomObjectsApi,
  RbacAuthorizationV1Api,
  Watch,
  type KubeConfig,
} from '@kubernetes/client-node';
import { WatchError, type WatchedKind, type WatchSource } from './watch-source.js';

/** How one kind is addressed on the API server. */
interface ResourceInfo {
  readonly apiVersion: string;
  readonly kind: string;
  readonly path: string;
}

/** Options of {@link createKubeWatchSource}. */
export interface KubeWatchSourceOptions {
  /** Items per list page (default 500), so a large cluster is never one huge response. */
  readonly pageSize?: number;
  /** Server-side watch timeout in seconds (default 300): watches are reopened routinely. */
  readonly watchTimeoutSeconds?: number;
}

const PROFILE_GROUP = 'kubeflow.org';
const PROFILE_VERSION = 'v1';
const POLICY_GROUP = 'profile-guard.io';
const POLICY_VERSION = 'v1alpha1';

const RESOURCES: Readonly<Record<WatchedKind, ResourceInfo>> = {
  Profile: {
    apiVersion: `${PROFILE_GROUP}/${PROFILE_VERSION}`,
    kind: 'Profile',
    path: `/apis/${PROFILE_GROUP}/${PROFILE_VERSION}/profiles`,
  },
  Namespace: { apiVersion: 'v1', kind: 'Namespace', path: '/api/v1/namespaces' },
  RoleBinding: {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    path: '/apis/rbac.authorization.k8s.io/v1/rolebindings',
  },
  ProfilePolicy: {
    apiVersion: `${POLICY_GROUP}/${POLICY_VERSION}`,
    kind: 'ProfilePolicy',
    path: `/apis/${POLICY_GROUP}/${POLICY_VERSION}/profilepolicies`,
  },
  LimitRange: { apiVersion: 'v1', kind: 'LimitRange', path: '/api/v1/limitranges' },
};

interface Page {
  readonly items: readonly unknown[];
  readonly resourceVersion: string;
  readonly continueToken: string | undefined;
}

/**
 * The client-node {@link WatchSource}: paged lists through the typed APIs (cluster-wide), watches
 * through `Watch` with bookmarks on. List items get `apiVersion`/`kind` stamped, since the API
 * server leaves them off list items.
 */
export function createKubeWatchSource(
  config: KubeConfig,
  options: KubeWatchSourceOptions = {},
): WatchSource {
  const pageSize = options.pageSize ?? 500;
  const timeoutSeconds = options.watchTimeoutSeconds ?? 300;
  const core = config.makeApiClient(CoreV1Api);
  const rbac = config.makeApiClient(RbacAuthorizationV1Api);
  const custom = config.makeApiClient(CustomObjectsApi);
  const watcher = new Watch(config);

  const fetchPage = async (kind: WatchedKind, token: string | undefined): Promise<Page> => {
    const paging = { limit: pageSize, ...(token === undefined ? {} : { _continue: token }) };
    switch (kind) {
      case 'Namespace': {
        const list = await core.listNamespace(paging);
        return { items: list.items, ...pageMeta(list.metadata) };
      }
      case 'RoleBinding': {
        const list = await rbac.listRoleBindingForAllNamespaces(paging);
        return { items: list.items, ...pageMeta(list.metadata) };
      }
      case 'LimitRange': {
        const list = await core.listLimitRangeForAllNamespaces(paging);
        return { items: list.items, ...pageMeta(list.metadata) };
      }
      case 'Profile':
      case 'ProfilePolicy': {
        const [group, version, plural] =
          kind === 'Profile'
            ? [PROFILE_GROUP, PROFILE_VERSION, 'profiles']
            : [POLICY_GROUP, POLICY_VERSION, 'profilepolicies'];
        const list: unknown = await custom.listClusterCustomObject({
          group,
          version,
          plural,
          ...paging,
        });
        const record = (typeof list === 'object' && list !== null ? list : {}) as {
          items?: unknown;
          metadata?: unknown;
        };
        const items = Array.isArray(record.items) ? (record.items as unknown[]) : [];
        return { items, ...pageMeta(record.metadata) };
      }
    }
  };

  return {
    async list(kind) {
      const resource = RESOURCES[kind];
      const items: unknown[] = [];
      // Every page of a paged list comes from the snapshot of the first one.
      const first = await fetchPage(kind, undefined);
      let page = first;
      for (;;) {
        for (const item of page.items) items.push(stamp(item, resource));
        if (page.continueToken === undefined) break;
        page = await fetchPage(kind, page.continueToken);
      }
      return { items, resourceVersion: first.resourceVersion };
    },

    async watch(kind, resourceVersion, onEvent, onDone) {
      const stream: { active: boolean; controller: AbortController | undefined } = {
        active: true,
        controller: undefined,
      };
      const finish = (error: unknown): void => {
        if (!stream.active) return;
        stream.active = false;
        stream.controller?.abort();
        onDone(error);
      };
      stream.controller = await watcher.watch(
        RESOURCES[kind].path,
        { resourceVersion, allowWatchBookmarks: true, timeoutSeconds },
        (type: string, object: unknown) => {
          if (!stream.active) return;
          if (type === 'ERROR') {
            finish(statusError(object));
          } else if (
            type === 'ADDED' ||
            type === 'MODIFIED' ||
            type === 'DELETED' ||
            type === 'BOOKMARK'
          ) {
            onEvent(type, object);
          }
        },
        (error: unknown) => {
          finish(error ?? undefined);
        },
      );
      if (!stream.active) stream.controller.abort();
      return {
        abort() {
          stream.active = false;
          stream.controller?.abort();
        },
      };
    },
  };
}

function pageMeta(metadata: unknown): {
  resourceVersion: string;
  continueToken: string | undefined;
} {
  const meta = (typeof metadata === 'object' && metadata !== null ? metadata : {}) as {
    resourceVersion?: unknown;
    continue?: unknown;
    _continue?: unknown;
  };
  const token = meta._continue ?? meta.continue;
  return {
    resourceVersion: typeof meta.resourceVersion === 'string' ? meta.resourceVersion : '',
    continueToken: typeof token === 'string' && token !== '' ? token : undefined,
  };
}

function stamp(item: unknown, resource: ResourceInfo): unknown {
  if (typeof item !== 'object' || item === null) return item;
  const object = item as { apiVersion?: unknown; kind?: unknown };
  object.apiVersion ??= resource.apiVersion;
  object.kind ??= resource.kind;
  return object;
}

/** A watch `ERROR` event's Status object as an error (410 when the version expired). */
function statusError(object: unknown): WatchError {
  const status = (typeof object === 'object' && object !== null ? object : {}) as {
    code?: unknown;
    message?: unknown;
    reason?: unknown;
  };
  const code = typeof status.code === 'number' ? status.code : undefined;
  const message =
    typeof status.message === 'string' && status.message !== ''
      ? status.message
      : `watch error${typeof status.reason === 'string' ? `: ${status.reason}` : ''}`;
  return new WatchError(message, code);
}
