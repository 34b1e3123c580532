#!/usr/bin/env node
// url-client-config.mjs: reads the chart's rendered webhook configurations (helm template
// --show-only ...) on stdin and writes them to stdout with each webhook's `clientConfig.service`
// replaced by `clientConfig.url: <base-url><service.path>`. Everything else (names, rules,
// selectors, matchConditions, failurePolicy, timeouts, caBundle) is kept byte-for-byte in meaning,
// so that the API server calls a webhook on loopback exactly as the chart configures it in a
// cluster.
//
// Usage: helm template ... | node url-client-config.mjs https://127.0.0.1:8443 > configs.yaml
import process from 'node:process';

import { parseAllDocuments, stringify } from 'yaml';

const KINDS = new Set(['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']);

function fail(message) {
  process.stderr.write(`url-client-config: ${message}\n`);
  process.exit(2);
}

const baseUrl = process.argv[2];
if (baseUrl === undefined || !/^https:\/\/[^/]+$/.test(baseUrl)) {
  fail('usage: url-client-config.mjs https://HOST:PORT < rendered.yaml');
}

// Read as a stream: readFileSync(0) fails with EAGAIN when the pipe it inherits is non-blocking.
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const documents = parseAllDocuments(Buffer.concat(chunks).toString('utf8'));
const out = [];
for (const document of documents) {
  if (document.errors.length > 0) fail(document.errors.map(String).join('; '));
  const object = document.toJS();
  if (object === null || object === undefined) continue;
  if (!KINDS.has(object.kind)) fail(`unexpected ${String(object.kind)} in the input`);
  for (const webhook of object.webhooks ?? []) {
    const { service, caBundle, ...rest } = webhook.clientConfig ?? {};
    if (service === undefined) fail(`webhook ${webhook.name} has no clientConfig.service`);
    if (Object.keys(rest).length > 0) fail(`webhook ${webhook.name}: unexpected clientConfig`);
    if (caBundle === undefined || caBundle === '') fail(`webhook ${webhook.name} has no caBundle`);
    webhook.clientConfig = { url: `${baseUrl}${service.path ?? '/'}`, caBundle };
  }
  out.push(stringify(object, { lineWidth: 0 }));
}
if (out.length === 0) fail('no webhook configurations in the input');
process.stdout.write(out.map((text) => `---\n${text}`).join(''));
