import { Registry } from 'prom-client';
import { createMetrics } from './metrics.js';
import { record } from './test-support/records.js';

describe('createMetrics', () => {
  const setup = () => {
    const registry = new Registry();
    return { registry, metrics: createMetrics(registry, { processMetrics: false }) };
  };

  it('registers exactly the contract metrics', async () => {
    const { registry } = setup();
    const names = (await registry.getMetricsAsJSON()).map((metric) => metric.name).sort();
    expect(names).toEqual([
      'profile_guard_admission_duration_seconds',
      'profile_guard_admission_requests_total',
      'profile_guard_cache_objects',
      'profile_guard_cache_synced',
      'profile_guard_limitrange_writes_total',
      'profile_guard_native_in_sync',
      'profile_guard_native_sync_total',
      'profile_guard_native_writes_total',
      'profile_guard_offload_queue_depth',
      'profile_guard_offload_requests_total',
      'profile_guard_offload_worker_restarts_total',
      'profile_guard_policy_info',
      'profile_guard_policy_reloads_total',
      'profile_guard_rule_violations_total',
      'profile_guard_tls_certificate_expiry_timestamp_seconds',
    ]);
  });

  it('counts decisions, durations and rule violations with bounded labels only', async () => {
    const { registry, metrics } = setup();
    metrics.observeDecision(record());
    metrics.onDecision(record({ webhook: 'mutate', decision: 'patched', evaluation: undefined }));
    metrics.onDecision(
      record({
        decision: 'allowed',
        evaluation: undefined,
        input: { ...record().input, target: undefined, kind: 'Pod' },
      }),
    );
    const text = await registry.metrics();
    expect(text).toContain(
      'profile_guard_admission_requests_total{webhook="validate",kind="Profile",operation="CREATE",decision="denied"} 1',
    );
    expect(text).toContain(
      'profile_guard_admission_requests_total{webhook="mutate",kind="Profile",operation="CREATE",decision="patched"} 1',
    );
    expect(text).toContain(
      'profile_guard_admission_requests_total{webhook="validate",kind="other",operation="CREATE",decision="allowed"} 1',
    );
    expect(text).toContain(
      'profile_guard_admission_duration_seconds_bucket{le="0.0001",webhook="validate",kind="Profile"} 0',
    );
    expect(text).toContain(
      'profile_guard_admission_duration_seconds_bucket{le="0.005",webhook="validate",kind="Profile"} 1',
    );
    expect(text).toContain(
      'profile_guard_admission_duration_seconds_bucket{le="2.5",webhook="validate",kind="Profile"} 1',
    );
    expect(text).toContain(
      'profile_guard_admission_duration_seconds_count{webhook="validate",kind="Profile"} 1',
    );
    expect(text).toContain(
      'profile_guard_rule_violations_total{rule="profile-owner-format",mode="Enforce",kind="Profile"} 1',
    );
    expect(text).toContain(
      'profile_guard_rule_violations_total{rule="profile-owner-lowercase",mode="Warn",kind="Profile"} 1',
    );
    expect(text).toContain(
      'profile_guard_rule_violations_total{rule="profile-owner-domain",mode="Audit",kind="Profile"} 1',
    );
    expect(text).not.toContain('profile-name-format');
    expect(text).not.toMatch(/secret|team-x|uid-1|object-content/);
    const labelNames = new Set(
      (await registry.getMetricsAsJSON())
        .filter((metric) => metric.name !== 'profile_guard_policy_info') // `name` = the policy's
        .flatMap((metric) => metric.values.flatMap((value) => Object.keys(value.labels))),
    );
    expect([...labelNames].sort()).toEqual([
      'decision',
      'kind',
      'le',
      'mode',
      'operation',
      'reason',
      'result',
      'rule',
      'webhook',
    ]);
  });

  it('has duration buckets from 0.0001 s to 2.5 s', async () => {
    const { registry, metrics } = setup();
    metrics.observeDecision(record());
    const text = await registry.metrics();
    const buckets = [...text.matchAll(/admission_duration_seconds_bucket\{le="([^"]+)"/g)].map(
      (match) => match[1],
    );
    expect(buckets).toEqual([
      '0.0001',
      '0.00025',
      '0.0005',
      '0.001',
      '0.0025',
      '0.005',
      '0.01',
      '0.025',
      '0.05',
      '0.1',
      '0.25',
      '0.5',
      '1',
      '2.5',
      '+Inf',
    ]);
  });

  it('starts both policy reload series at 0, so that increase() sees the first failure', async () => {
    const { registry, metrics } = setup();
    const before = await registry.metrics();
    expect(before).toContain('profile_guard_policy_reloads_total{result="success"} 0');
    expect(before).toContain('profile_guard_policy_reloads_total{result="failure"} 0');
    metrics.policyReloaded('failure');
    expect(await registry.metrics()).toContain(
      'profile_guard_policy_reloads_total{result="failure"} 1',
    );
  });

  it('keeps one policy_info series, and tracks reloads, caches and certificate expiry', async () => {
    const { registry, metrics } = setup();
    metrics.setPolicyInfo('default', 1);
    metrics.setPolicyInfo('strict', 7);
    metrics.policyReloaded('success');
    metrics.policyReloaded('failure');
    metrics.policyReloaded('success');
    metrics.setCacheSynced(true);
    metrics.setCacheObjects('Profile', 12);
    metrics.setCertificateExpiry(new Date('2030-01-02T03:04:05.678Z'));
    const text = await registry.metrics();
    expect(text).toContain('profile_guard_policy_info{name="strict",generation="7"} 1');
    expect(text).not.toContain('name="default"');
    expect(text).toContain('profile_guard_policy_reloads_total{result="success"} 2');
    expect(text).toContain('profile_guard_policy_reloads_total{result="failure"} 1');
    expect(text).toContain('profile_guard_cache_synced 1');
    expect(text).toContain('profile_guard_cache_objects{kind="Profile"} 12');
    expect(text).toContain('profile_guard_tls_certificate_expiry_timestamp_seconds 1893553445');
    metrics.setCacheSynced(false);
    expect(await registry.metrics()).toContain('profile_guard_cache_synced 0');
  });

  it('counts native sync passes and writes; in_sync follows the last pass', async () => {
    const { registry, metrics } = setup();
    metrics.nativeSyncPassed('written');
    metrics.nativeWritten('apply', true);
    metrics.nativeWritten('delete', false);
    let text = await registry.metrics();
    expect(text).toContain('profile_guard_native_sync_total{result="written"} 1');
    expect(text).toContain('profile_guard_native_in_sync 1');
    expect(text).toContain(
      'profile_guard_native_writes_total{operation="apply",result="success"} 1',
    );
    expect(text).toContain(
      'profile_guard_native_writes_total{operation="delete",result="failure"} 1',
    );
    metrics.nativeSyncPassed('failed');
    text = await registry.metrics();
    expect(text).toContain('profile_guard_native_sync_total{result="failed"} 1');
    expect(text).toContain('profile_guard_native_in_sync 0');
    metrics.nativeSyncPassed('converged');
    expect(await registry.metrics()).toContain('profile_guard_native_in_sync 1');
    metrics.nativeSyncPassed('yielded');
    expect(await registry.metrics()).toContain('profile_guard_native_in_sync 0');
  });

  it('counts offloaded requests by result, worker restarts by reason, and the queue depth', async () => {
    const { registry, metrics } = setup();
    let text = await registry.metrics();
    expect(text).toContain('profile_guard_offload_worker_restarts_total{reason="timeout"} 0');
    expect(text).toContain('profile_guard_offload_worker_restarts_total{reason="crash"} 0');
    metrics.offloaded('validate', 'decided');
    metrics.offloaded('validate', 'decided');
    metrics.offloaded('mutate', 'queue_full');
    metrics.offloadWorkerRestarted('timeout');
    metrics.setOffloadQueueDepth(3);
    text = await registry.metrics();
    expect(text).toContain(
      'profile_guard_offload_requests_total{webhook="validate",result="decided"} 2',
    );
    expect(text).toContain(
      'profile_guard_offload_requests_total{webhook="mutate",result="queue_full"} 1',
    );
    expect(text).toContain('profile_guard_offload_worker_restarts_total{reason="timeout"} 1');
    expect(text).toContain('profile_guard_offload_queue_depth 3');
  });

  it('adds process metrics with the profile_guard_ prefix by default', async () => {
    const registry = new Registry();
    createMetrics(registry);
    const names = (await registry.getMetricsAsJSON()).map((metric) => metric.name);
    expect(names).toContain('profile_guard_process_cpu_user_seconds_total');
    expect(names.every((name) => name.startsWith('profile_guard_'))).toBe(true);
  });
});
