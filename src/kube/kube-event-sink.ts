import {
  CoreV1Api,
  CoreV1Event,
  V1EventSource,
  V1ObjectMeta,
  V1ObjectReference,
  type KubeConfig,
} from '@kubernetes/client-node';
import type { EventSink } from './events.js';

/** The client-node {@link EventSink}: creates each Event in its namespace (core/v1). */
export function createKubeEventSink(config: KubeConfig): EventSink {
  const api = config.makeApiClient(CoreV1Api);
  return {
    async create(event) {
      const body = Object.assign(new CoreV1Event(), {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: Object.assign(new V1ObjectMeta(), event.metadata),
        involvedObject: Object.assign(new V1ObjectReference(), event.involvedObject),
        reason: event.reason,
        type: event.type,
        message: event.message,
        action: event.action,
        count: event.count,
        // The typed client serializes timestamps with toISOString().
        firstTimestamp: new Date(event.firstTimestamp),
        lastTimestamp: new Date(event.lastTimestamp),
        source: Object.assign(new V1EventSource(), event.source),
        reportingComponent: event.reportingComponent,
        reportingInstance: event.reportingInstance,
      });
      await api.createNamespacedEvent({ namespace: event.metadata.namespace, body });
    },
  };
}
