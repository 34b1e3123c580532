import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import {
  MANAGED_BY_LABEL,
  REPORT_NAME,
  REPORT_SOURCE,
  toStoredReport,
  type PolicyReportObject,
  type ReportReader,
  type ReportWriter,
} from './policy-reports.js';
import { REPORT_APIS, WGPOLICY_API, type ReportApi } from './report-apis.js';
import { statusOf } from './watch-source.js';
import { errorMessage } from '../util/error-message.js';

const PAGE_SIZE = 100;

/** The client-node {@link ReportWriter} of `api`: custom-object get, create and replace (PUT). */
export function createKubeReportWriter(
  config: KubeConfig,
  api: ReportApi = WGPOLICY_API,
): ReportWriter {
  const client = config.makeApiClient(CustomObjectsApi);
  const { group, version } = api;
  return {
    api,
    async get(namespace) {
      const raw = await fetchReport(client, api, namespace);
      return raw === undefined ? undefined : toStoredReport(raw);
    },
    async create(report: PolicyReportObject) {
      const namespace = report.metadata.namespace;
      if (namespace === undefined) {
        await client.createClusterCustomObject({
          group,
          version,
          plural: api.clusterPlural,
          body: report,
          fieldManager: REPORT_SOURCE,
        });
      } else {
        await client.createNamespacedCustomObject({
          group,
          version,
          namespace,
          plural: api.namespacedPlural,
          body: report,
          fieldManager: REPORT_SOURCE,
        });
      }
    },
    async replace(report: PolicyReportObject) {
      const namespace = report.metadata.namespace;
      if (namespace === undefined) {
        await client.replaceClusterCustomObject({
          group,
          version,
          plural: api.clusterPlural,
          name: REPORT_NAME,
          body: report,
          fieldManager: REPORT_SOURCE,
        });
      } else {
        await client.replaceNamespacedCustomObject({
          group,
          version,
          namespace,
          plural: api.namespacedPlural,
          name: REPORT_NAME,
          body: report,
          fieldManager: REPORT_SOURCE,
        });
      }
    },
  };
}

/**
 * Whether the cluster serves both report kinds of `api`, by API discovery
 * (`GET /apis/<group>/<version>`, which every authenticated user may read): false on 404, a
 * rejection for any other failure.
 */
export function createKubeReportDiscovery(
  config: KubeConfig,
): (api: ReportApi) => Promise<boolean> {
  const client = config.makeApiClient(CustomObjectsApi);
  return async (api) => {
    let list: { resources?: readonly { name?: unknown }[] };
    try {
      list = await client.getAPIResources({ group: api.group, version: api.version });
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw error;
    }
    const names = new Set((list.resources ?? []).map((resource) => resource.name));
    return names.has(api.namespacedPlural) && names.has(api.clusterPlural);
  };
}

/** Why profile-guard's reports could not be read; the message says what to check. */
export class ReportReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportReadError';
  }
}

/**
 * The client-node {@link ReportReader}. `servedApis` asks API discovery which report APIs the
 * cluster serves. `reports` lists one API's namespaced reports labelled
 * `app.kubernetes.io/managed-by=profile-guard` and named `profile-guard` (all namespaces, 100 a
 * page) and gets its cluster report `profile-guard`; with a namespace, gets that namespace's
 * report only. A missing report is no report; a missing CRD, a refusal or any other API error is
 * a {@link ReportReadError}.
 */
export function createKubeReportReader(config: KubeConfig): ReportReader {
  const client = config.makeApiClient(CustomObjectsApi);
  const discovery = createKubeReportDiscovery(config);
  const get = async (api: ReportApi, namespace: string): Promise<unknown> => {
    try {
      return await fetchReport(client, api, namespace);
    } catch (error) {
      throw readError(error, api, namespace === '' ? api.clusterPlural : api.namespacedPlural);
    }
  };
  return {
    async servedApis() {
      const served: ReportApi[] = [];
      for (const api of REPORT_APIS) {
        try {
          if (await discovery(api)) served.push(api);
        } catch (error) {
          throw readError(error, api, api.namespacedPlural);
        }
      }
      return served;
    },
    async *reports(api, namespace) {
      if (namespace !== undefined) {
        const report = await get(api, namespace);
        if (report !== undefined) yield report;
        return;
      }
      let next: string | undefined;
      do {
        let page: unknown;
        try {
          page = await client.listCustomObjectForAllNamespaces({
            group: api.group,
            version: api.version,
            plural: api.namespacedPlural,
            labelSelector: `${MANAGED_BY_LABEL}=${REPORT_SOURCE}`,
            limit: PAGE_SIZE,
            ...(next === undefined ? {} : { _continue: next }),
          });
        } catch (error) {
          throw readError(error, api, api.namespacedPlural);
        }
        const list = page as { items?: unknown; metadata?: { continue?: unknown } } | null;
        const items = Array.isArray(list?.items) ? (list.items as unknown[]) : [];
        for (const item of items) {
          if ((item as { metadata?: { name?: unknown } } | null)?.metadata?.name === REPORT_NAME) {
            yield item;
          }
        }
        const token = list?.metadata?.continue;
        next = typeof token === 'string' && token !== '' ? token : undefined;
      } while (next !== undefined);
      const cluster = await get(api, '');
      if (cluster !== undefined) yield cluster;
    },
  };
}

/** profile-guard's report of `api` in `namespace` (`''`: the cluster report); undefined on 404. */
async function fetchReport(
  client: CustomObjectsApi,
  api: ReportApi,
  namespace: string,
): Promise<unknown> {
  try {
    const raw: unknown =
      namespace === ''
        ? await client.getClusterCustomObject({
            group: api.group,
            version: api.version,
            plural: api.clusterPlural,
            name: REPORT_NAME,
          })
        : await client.getNamespacedCustomObject({
            group: api.group,
            version: api.version,
            namespace,
            plural: api.namespacedPlural,
            name: REPORT_NAME,
          });
    return raw;
  } catch (error) {
    // 404 is both "no such report" and "no such CRD": either way there is nothing to read.
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}

function readError(error: unknown, api: ReportApi, plural: string): ReportReadError {
  const status = statusOf(error);
  const detail = apiMessage(error);
  if (status === 404) {
    return new ReportReadError(
      `the API server does not serve ${plural}.${api.group} (is the ${api.namespacedKind} CRD installed?)`,
    );
  }
  if (status === 401 || status === 403) {
    return new ReportReadError(`not allowed to list ${plural}.${api.group}: ${detail}`);
  }
  return new ReportReadError(`cannot read ${plural}.${api.group}: ${detail}`);
}

/** The API server's Status message when the error carries one, else the error's own text. */
function apiMessage(error: unknown): string {
  const body = (error as { body?: unknown } | null)?.body;
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = undefined;
    }
  }
  const message = (parsed as { message?: unknown } | null | undefined)?.message;
  if (typeof message === 'string' && message !== '') return message;
  const text = errorMessage(error);
  return text.split('\n')[0] ?? text;
}
