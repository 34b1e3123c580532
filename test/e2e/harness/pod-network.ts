import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { type Server, type Socket, connect, createServer } from 'node:net';
import { promisify } from 'node:util';

import type { ManagedParts } from './e2e-env.js';
import { spawnRecorded, stopRecorded } from './processes.js';

const run = promisify(execFile);

/**
 * A pod's network for one process of the test: a network namespace of its own, joined to the
 * host by a veth pair, the way a CNI plugin gives a pod an address the API server can reach.
 *
 * Why: the API server calls a webhook behind a Service at an address of the Service's
 * EndpointSlices (`--enable-aggregator-routing`, see control-plane.sh), and an EndpointSlice may
 * not hold a loopback address. The pair's addresses are a /30 of 198.18.0.0/15 (RFC 2544's
 * benchmarking range: never routed off a host, no clash with a real network). Nothing leaves
 * the machine: the pod's address lives only in a namespace the test made.
 *
 * The namespace is held by a recorded `unshare --net sleep infinity` (control-plane.sh spawn):
 * when that process and those entered into the namespace end, the kernel removes the namespace and
 * with it both veth ends, so e2e-down.sh cleans up even after a crash. Needs root (CAP_NET_ADMIN,
 * CAP_SYS_ADMIN), `ip` (iproute2), `unshare` and `nsenter` (util-linux).
 */
export interface PodNetwork {
  /** The pod's address (inside the namespace). */
  readonly podIp: string;
  /** The host's end of the veth pair. */
  readonly hostIp: string;
  /** Prefix that runs a command inside the namespace (`nsenter --net=/proc/<pid>/ns/net`). */
  readonly enter: readonly string[];
  /**
   * `https://<hostIp>:<port>`: a TCP relay to the API server, which listens on 127.0.0.1 only
   * (the role of the `kubernetes` Service for a pod). TLS passes through unchanged: a client
   * checks the API server's certificate for `kubernetes.default.svc` (kubeconfig
   * `tls-server-name`).
   */
  readonly apiServerUrl: string;
  /** Stops the relay and the namespace's holder (run after stopping what was entered into it). */
  close(): Promise<void>;
}

/** Creates a {@link PodNetwork}; `name` labels its holder process (`<name>-netns`). */
export async function createPodNetwork(managed: ManagedParts, name: string): Promise<PodNetwork> {
  const holder = `${name}-netns`;
  const pid = await spawnRecorded(managed.stateDir, holder, [
    'unshare',
    '--net',
    '--',
    'sleep',
    'infinity',
  ]);
  const enter = ['nsenter', `--net=/proc/${pid}/ns/net`];
  let relay: Relay | undefined;
  try {
    const { hostIp, podIp, hostLink, podLink } = await freeLink();
    const ip = async (args: readonly string[], inside = false) => {
      const argv = inside ? [...enter, 'ip', ...args] : ['ip', ...args];
      try {
        await run(argv[0] ?? 'ip', argv.slice(1));
      } catch (error) {
        throw new Error(
          `${argv.join(' ')} failed (the pod network needs root and iproute2): ${String(error)}`,
          { cause: error },
        );
      }
    };
    await ip(['link', 'add', hostLink, 'type', 'veth', 'peer', 'name', podLink, 'netns', `${pid}`]);
    await ip(['address', 'add', `${hostIp}/30`, 'dev', hostLink]);
    await ip(['link', 'set', hostLink, 'up']);
    await ip(['link', 'set', 'lo', 'up'], true);
    await ip(['address', 'add', `${podIp}/30`, 'dev', podLink], true);
    await ip(['link', 'set', podLink, 'up'], true);
    const apiserver = new URL(managed.apiserverUrl);
    relay = await startRelay(hostIp, apiserver.hostname, Number(apiserver.port));
    const started = relay;
    return {
      podIp,
      hostIp,
      enter,
      apiServerUrl: `https://${hostIp}:${started.port}`,
      close: async () => {
        await started.close();
        await stopRecorded(managed.stateDir, holder);
      },
    };
  } catch (error) {
    await relay?.close();
    await stopRecorded(managed.stateDir, holder);
    throw error;
  }
}

/** A /30 in 198.18.0.0/15 that no interface of the host uses yet, and names for its two ends. */
async function freeLink(): Promise<{
  hostIp: string;
  podIp: string;
  hostLink: string;
  podLink: string;
}> {
  const { stdout } = await run('ip', ['-4', '-o', 'address', 'show']);
  for (let attempt = 0; attempt < 100; attempt++) {
    const second = 18 + randomInt(2);
    const third = randomInt(256);
    const base = randomInt(64) * 4;
    const net = `198.${second}.${third}.`;
    const hostIp = `${net}${base + 1}`;
    const podIp = `${net}${base + 2}`;
    if (stdout.includes(` ${hostIp}/`) || stdout.includes(` ${podIp}/`)) continue;
    // Interface names are at most 15 characters; the suffix keeps concurrent runs apart.
    const suffix = randomInt(36 ** 6).toString(36);
    return { hostIp, podIp, hostLink: `pgh${suffix}`, podLink: `pgp${suffix}` };
  }
  throw new Error('no free /30 in 198.18.0.0/15 for the pod network');
}

interface Relay {
  readonly port: number;
  close(): Promise<void>;
}

/** Accepts on `host`:0 and pipes each connection to `targetHost`:`targetPort`. */
async function startRelay(host: string, targetHost: string, targetPort: number): Promise<Relay> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, targetHost);
    track(client);
    track(upstream);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('relay has no port');
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
}
