import type { RequestListener } from 'node:http';
import { createWebhookApp, type WebhookAppOptions } from '../../src/http/webhook-app.js';
import { createWebhookListener } from '../../src/http/webhook-listener.js';

/** Builds what the webhook server serves, from the app factory's options. */
export type WebhookFactory = (options: WebhookAppOptions) => RequestListener;

/**
 * Both ways of serving the webhook: the express app, and the listener `serve` uses (its fast path
 * for the review endpoints, the app for the rest). HTTP tests run their tables over both.
 */
export const WEBHOOK_FACTORIES: readonly (readonly [string, WebhookFactory])[] = [
  ['express app', (options) => createWebhookApp(options)],
  ['webhook listener', createWebhookListener],
];
