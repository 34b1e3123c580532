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
import { statusOf } from './watch-source.js';

const GROUP = 'wgpolicyk8s.io';
const VERSION = 'v1alpha2';
const PAGE_SIZE = 100;

/** The client-node {@link ReportWriter}: custom-object get, create and replace (PUT). */
export function createKubeReportWriter(config: KubeConfig): ReportWriter {
  const api = config.makeApiClient(CustomObjectsApi);
  return {
    async get(namespace) {
      const raw = await fetchReport(api, namespace);
      return raw === undefined ? undefined : toStoredReport(raw);
    },
    async create(report: PolicyReportObject) {
      const namespace = report.metadata.namespace;
      if (namespace === undefined) {
        await api.createClusterCustomObject({
          group: GROUP,
          version: VERSION,
          plural: 'clusterpolicyreports',
          body: report,
          fieldManager: REPORT_SOURCE,
        });
      } else {
        await api.createNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          namespace,
          plural: 'policyreports',
          body: report,
          fieldManager: REPORT_SOURCE,
        });
      }
    },
    async replace(report: PolicyReportObject) {
      const namespace = report.metadata.namespace;
      if (namespace === undefined) {
        await api.replaceClusterCustomObject({
          group: GROUP,
          version: VERSION,
          plural: 'clusterpolicyreports',
          name: REPORT_NAME,
          body: report,
          fieldManager: REPORT_SOURCE,
        });
      } else {
        await api.replaceNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          namespace,
          plural: 'policyreports',
          name: REPORT_NAME,
          body: report,
          fieldManager: REPORT_SOURCE,
        });
      }
    },
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
 * The client-node {@link ReportReader}. Lists PolicyReports labelled
 * `app.kubernetes.io/managed-by=profile-guard` and named `profile-guard` (all namespaces, 100 a
 * page) and gets the ClusterPolicyReport `profile-guard`; with a namespace, gets that namespace's
 * report only. A missing report is no report; a missing CRD, a refusal or any other API error is
 * a {@link ReportReadError}.
 */
export function createKubeReportReader(config: KubeConfig): ReportReader {
  const api = config.makeApiClient(CustomObjectsApi);
  const get = async (namespace: string): Promise<unknown> => {
    try {
      return await fetchReport(api, namespace);
    } catch (error) {
      throw readError(error, namespace === '' ? 'clusterpolicyreports' : 'policyreports');
    }
  };
  return {
    async *reports(namespace) {
      if (namespace !== undefined) {
        const report = await get(namespace);
        if (report !== undefined) yield report;
        return;
      }
      let next: string | undefined;
      do {
        let page: unknown;
        try {
          page = await api.listCustomObjectForAllNamespaces({
            group: GROUP,
            version: VERSION,
            plural: 'policyreports',
            labelSelector: `${MANAGED_BY_LABEL}=${REPORT_SOURCE}`,
            limit: PAGE_SIZE,
            ...(next === undefined ? {} : { _continue: next }),
          });
        } catch (error) {
          throw readError(error, 'policyreports');
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
      const cluster = await get('');
      if (cluster !== undefined) yield cluster;
    },
  };
}

/** profile-guard's report in `namespace` (`''`: the cluster report); undefined on 404. */
async function fetchReport(api: CustomObjectsApi, namespace: string): Promise<unknown> {
  try {
    const raw: unknown =
      namespace === ''
        ? await api.getClusterCustomObject({
            group: GROUP,
            version: VERSION,
            plural: 'clusterpolicyreports',
            name: REPORT_NAME,
          })
        : await api.getNamespacedCustomObject({
            group: GROUP,
            version: VERSION,
            namespace,
            plural: 'policyreports',
            name: REPORT_NAME,
          });
    return raw;
  } catch (error) {
    // 404 is both "no such report" and "no such CRD": either way there is nothing to read.
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}

function readError(error: unknown, plural: string): ReportReadError {
  const status = statusOf(error);
  const detail = apiMessage(error);
  if (status === 404) {
    return new ReportReadError(
      `the API server does not serve ${plural}.${GROUP} (is the PolicyReport CRD installed?)`,
    );
  }
  if (status === 401 || status === 403) {
    return new ReportReadError(`not allowed to list ${plural}.${GROUP}: ${detail}`);
  }
  return new ReportReadError(`cannot read ${plural}.${GROUP}: ${detail}`);
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
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}
