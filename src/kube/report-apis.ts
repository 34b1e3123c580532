/**
 * The two report APIs profile-guard writes and reads. Their results have the same wire format:
 * OpenReports' Go types rename the fields (`Description`, `Subjects`) but keep the JSON keys
 * `message` and `resources` of wgpolicyk8s.io (openreports/reports-api
 * apis/openreports.io/v1alpha1/report_types.go), so one result shape serves both. What differs is
 * the group/version, the kinds and plurals, and OpenReports' report-level `source`.
 */
export interface ReportApi {
  /** The `--reports` value that selects it. */
  readonly name: 'openreports' | 'wgpolicy';
  readonly group: string;
  readonly version: string;
  /** `group/version`. */
  readonly apiVersion: string;
  readonly namespacedKind: 'Report' | 'PolicyReport';
  readonly clusterKind: 'ClusterReport' | 'ClusterPolicyReport';
  readonly namespacedPlural: string;
  readonly clusterPlural: string;
  /** OpenReports has a report-level `source`; wgpolicyk8s.io v1alpha2 has none (it would be pruned). */
  readonly reportSource: boolean;
}

/** OpenReports (`openreports.io/v1alpha1` Report / ClusterReport), the successor API. */
export const OPENREPORTS_API: ReportApi = Object.freeze({
  name: 'openreports',
  group: 'openreports.io',
  version: 'v1alpha1',
  apiVersion: 'openreports.io/v1alpha1',
  namespacedKind: 'Report',
  clusterKind: 'ClusterReport',
  namespacedPlural: 'reports',
  clusterPlural: 'clusterreports',
  reportSource: true,
});

/** The Policy WG's `wgpolicyk8s.io/v1alpha2` PolicyReport / ClusterPolicyReport. */
export const WGPOLICY_API: ReportApi = Object.freeze({
  name: 'wgpolicy',
  group: 'wgpolicyk8s.io',
  version: 'v1alpha2',
  apiVersion: 'wgpolicyk8s.io/v1alpha2',
  namespacedKind: 'PolicyReport',
  clusterKind: 'ClusterPolicyReport',
  namespacedPlural: 'policyreports',
  clusterPlural: 'clusterpolicyreports',
  reportSource: false,
});

/** Both APIs in order of preference: OpenReports first (`--reports auto` picks the first served). */
export const REPORT_APIS: readonly ReportApi[] = Object.freeze([OPENREPORTS_API, WGPOLICY_API]);

/** Every report kind profile-guard writes. */
export type ReportKind = ReportApi['namespacedKind'] | ReportApi['clusterKind'];

/** The API and scope of a report object's `apiVersion` and `kind`; undefined for anything else. */
export function reportApiOf(
  apiVersion: unknown,
  kind: unknown,
): { readonly api: ReportApi; readonly cluster: boolean } | undefined {
  for (const api of REPORT_APIS) {
    // An object read back without apiVersion (a fixture, a list item) is judged by kind alone.
    if (apiVersion !== undefined && apiVersion !== api.apiVersion) continue;
    if (kind === api.namespacedKind) return { api, cluster: false };
    if (kind === api.clusterKind) return { api, cluster: true };
  }
  return undefined;
}
