import { Registry } from 'prom-client';
import request from 'supertest';
import { profile, reviewBody, testHandlers } from '../../src/admission/test-support/reviews.js';
import { createDecisionLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { memoryLogger } from '../../src/observability/test-support/memory-logger.js';
import { createMetricsListener } from '../../src/http/metrics-listener.js';
import { createWebhookListener } from '../../src/http/webhook-listener.js';

describe('the webhook listener', () => {
  const createWebhook = createWebhookListener;
  function wire() {
    const registry = new Registry();
    const metrics = createMetrics(registry);
    const { logger, lines } = memoryLogger('info');
    const webhook = createWebhook({
      ...testHandlers({ observers: [metrics, createDecisionLogger(logger)] }),
      logger,
      readiness: () => ({ ready: true, reasons: [] }),
    });
    return { webhook, metricsApp: createMetricsListener(registry), registry, lines };
  }

  describe('GET /metrics', () => {
    it('exposes decisions, durations and rule violations in Prometheus text format', async () => {
      const { webhook, metricsApp, lines } = wire();
      const secret = profile('kubeflow', 'Secret.User', {
        metadata: { name: 'kubeflow', namespace: 'secret-ns' },
      });
      await request(webhook)
        .post('/validate')
        .send(reviewBody({ object: secret, namespace: 'secret-ns', username: 'secret-caller' }));
      await request(webhook)
        .post('/validate')
        .send(reviewBody({ object: profile('team', 'a@b.c') }));
      await request(webhook)
        .post('/mutate')
        .send(reviewBody({ object: profile('team', 'a@b.c') }));
      await request(webhook)
        .post('/validate')
        .send(
          reviewBody({
            kind: { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'RoleBinding' },
            namespace: 'team',
            object: {
              metadata: { name: 'rb' },
              roleRef: { kind: 'ClusterRole', name: 'cluster-admin' },
            },
          }),
        );

      const res = await request(metricsApp).get('/metrics').expect(200);
      expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
      const text = res.text;
      for (const series of [
        'profile_guard_admission_requests_total{webhook="validate",kind="Profile",operation="CREATE",decision="denied"} 1',
        'profile_guard_admission_requests_total{webhook="validate",kind="Profile",operation="CREATE",decision="allowed"} 1',
        'profile_guard_admission_requests_total{webhook="mutate",kind="Profile",operation="CREATE",decision="patched"} 1',
        'profile_guard_admission_requests_total{webhook="validate",kind="RoleBinding",operation="CREATE",decision="denied"} 1',
        'profile_guard_admission_duration_seconds_count{webhook="validate",kind="Profile"} 2',
        'profile_guard_admission_duration_seconds_count{webhook="mutate",kind="Profile"} 1',
        'profile_guard_rule_violations_total{rule="profile-name-reserved",mode="Enforce",kind="Profile"} 1',
        'profile_guard_rule_violations_total{rule="profile-owner-format",mode="Enforce",kind="Profile"} 1',
        'profile_guard_rule_violations_total{rule="profile-owner-lowercase",mode="Enforce",kind="Profile"} 1',
        'profile_guard_rule_violations_total{rule="binding-role",mode="Enforce",kind="RoleBinding"} 1',
      ]) {
        expect(text).toContain(series);
      }
      expect(text).toContain('profile_guard_process_cpu_user_seconds_total');
      expect(text).not.toMatch(/secret|Secret|team"|namespace=|user=|username=/);
      expect(
        lines
          .filter((line) => line.msg === 'admission denied')
          .map((line) => [line.user, line.namespace, line.rules]),
      ).toEqual([
        [
          'secret-caller',
          'secret-ns',
          ['profile-name-reserved', 'profile-owner-format', 'profile-owner-lowercase'],
        ],
        ['alice@example.com', 'team', ['binding-role']],
      ]);
    });

    it('answers /healthz, and 404/405 in JSON', async () => {
      const { metricsApp } = wire();
      expect((await request(metricsApp).get('/healthz').expect(200)).text).toBe('ok');
      expect((await request(metricsApp).get('/other').expect(404)).body).toEqual({
        error: 'not found',
      });
      await request(metricsApp).post('/metrics').expect(405).expect('Allow', 'GET, HEAD');
    });

    it('answers 500 JSON when the registry cannot collect', async () => {
      const registry = new Registry();
      registry.registerMetric({
        name: 'broken',
        get: () => Promise.reject(new Error('collect failed')),
      } as never);
      const res = await request(createMetricsListener(registry)).get('/metrics').expect(500);
      expect(res.body).toEqual({ error: 'could not collect metrics' });
    });
  });
});
