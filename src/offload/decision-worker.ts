/**
 * The decision worker's entry point (run by `node:worker_threads`, see decision-pool.ts): decodes
 * the bodies the main thread hands over, decides them with the same handlers `serve` builds
 * inline (`createAdmissionHandlers`, same catalog, no observers), encodes the answer, and sends
 * back its bytes and the decision record. The cluster snapshot is the main thread's, read through
 * synchronous lookups; the policies are the main thread's, sent before the first job they govern.
 */
import { parentPort, workerData } from 'node:worker_threads';

import { decideBody } from './decide-body.js';
import type { DecisionWorkerData, FromWorker, ToWorker } from './protocol.js';

const port = parentPort;
if (port === null) throw new Error('decision-worker.js runs only as a worker thread');
const decide = decideBody(workerData as DecisionWorkerData, (message: FromWorker) => {
  port.postMessage(message);
});
port.on('message', (message: ToWorker) => {
  decide(message);
});
