/**
 * The decision worker's entry point (run by `node:worker_threads`, see decision-pool.ts): decodes
 * the bodies the main thread hands over, decides them with the same handlers `serve` builds
 * inline (`createAdmissionHandlers`, same catalog, no observers), encodes the answer, and sends
 * back its bytes and the decision record. The cluster snapshot is the main thread's, read through
 * synchronous lookups; the policies are the main thread's, sent before the first job they govern.
 * First of all, it lowers its own thread's scheduling priority by `nice` and reports the result.
 */
import { parentPort, workerData } from 'node:worker_threads';

import type { DecisionWorkerData, FromWorker, ToWorker } from './protocol.js';
import { lowerThreadPriority } from './worker-priority.js';

const port = parentPort;
if (port === null) throw new Error('decision-worker.js runs only as a worker thread');
const data = workerData as DecisionWorkerData;
const post = (message: FromWorker): void => {
  port.postMessage(message);
};
post({ type: 'priority', ...lowerThreadPriority(data.nice) });
// Loaded after the priority is lowered, so that loading the rule catalog is scheduled as deciding is.
const { decideBody } = await import('./decide-body.js');
const decide = decideBody(data, post);
port.on('message', (message: ToWorker) => {
  decide(message);
});
