import type { E2eEnv } from './e2e-env.js';
import { listObjects, type KubeObject } from './kubectl.js';

interface EventFields {
  readonly involvedObject?: { readonly name?: string };
  readonly regarding?: { readonly name?: string };
  readonly message?: string;
  readonly note?: string;
}

/**
 * The Kubernetes Events (any namespace) about an object named `name`: its name is the event's
 * involved object, or the event's message quotes it.
 */
export async function eventsAbout(env: E2eEnv, name: string): Promise<KubeObject[]> {
  const events = await listObjects(env, ['events', '--all-namespaces']);
  return events.filter((event) => {
    const fields = event as unknown as EventFields;
    return (
      fields.involvedObject?.name === name ||
      fields.regarding?.name === name ||
      (fields.message ?? fields.note ?? '').includes(`"${name}"`)
    );
  });
}
