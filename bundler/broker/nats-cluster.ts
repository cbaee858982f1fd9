/**
 * A NATS cluster on loopback (Debian's /usr/bin/nats-server): N nodes routed to each other, each
 * with JetStream (file storage in a temporary folder) and an MQTT 3.1.1 listener, so devices
 * speak MQTT to any node and ingest workers read the same messages from a JetStream stream. Nodes
 * can be killed (SIGKILL plays a crash) and started again with their storage. For tests,
 * `mote bench fleet` and the fleet scenario; docs/fleet-cluster.md shows the same configuration
 * for real machines.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort, ServerProcess } from './server-process.ts';

export const NATS_SERVER = '/usr/sbin/nats-server';

export interface NatsNode {
  name: string;
  /** nats://127.0.0.1:port, for JetStream clients. */
  natsUrl: string;
  /** mqtt://127.0.0.1:port, for devices. */
  mqttUrl: string;
  process: ServerProcess;
}

/** The configuration file of one node; a cluster of one is a plain server (JetStream not clustered). */
export function natsNodeConfig(node: { name: string; clientPort: number; clusterPort: number; mqttPort: number; storeDir: string }, routePorts: number[], users: string[] = []): string {
  const authorization = users.length === 0 ? [] : ['authorization {', '  users: [', ...users.map((user) => `    ${user}`), '  ]', '}'];
  const cluster = routePorts.length < 2 ? [] : ['cluster {', '  name: mote', `  listen: 127.0.0.1:${node.clusterPort}`, `  routes: [${routePorts.map((port) => `nats-route://127.0.0.1:${port}`).join(', ')}]`, '}'];
  return [
    `server_name: ${node.name}`,
    `listen: 127.0.0.1:${node.clientPort}`,
    `jetstream { store_dir: "${node.storeDir}" }`,
    ...cluster,
    // Each MQTT subscription at QoS 1 (a device's OTA topic) is a JetStream consumer: one copy, in
    // memory, dropped a minute after its device left. A device that moves to another node
    // subscribes again there. The messages devices publish stay replicated.
    `mqtt { listen: 127.0.0.1:${node.mqttPort}, max_ack_pending: 1024, consumer_replicas: 1, consumer_memory_storage: true, consumer_inactive_threshold: "1m" }`,
    ...authorization,
    '',
  ].join('\n');
}

export class NatsCluster {
  private constructor(
    readonly nodes: NatsNode[],
    private readonly directory: string,
  ) {}

  get natsUrls(): string[] {
    return this.nodes.map((node) => node.natsUrl);
  }

  get mqttUrls(): string[] {
    return this.nodes.map((node) => node.mqttUrl);
  }

  /** `users`: entries of an authorization block (bundler/enroll/acl.ts), none for an open cluster. */
  static async launch(size = 3, users: string[] = []): Promise<NatsCluster> {
    const directory = mkdtempSync(join(tmpdir(), 'mote-nats-'));
    const ports = [];
    for (let i = 0; i < size; i++) ports.push({ clientPort: await freeLoopbackPort(), clusterPort: await freeLoopbackPort(), mqttPort: await freeLoopbackPort() });
    const routePorts = ports.map((port) => port.clusterPort);
    const nodes = ports.map((port, i): NatsNode => {
      const name = `n${i + 1}`;
      const storeDir = join(directory, name);
      mkdirSync(storeDir);
      const config = join(directory, `${name}.conf`);
      writeFileSync(config, natsNodeConfig({ name, storeDir, ...port }, routePorts, users));
      return { name, natsUrl: `nats://127.0.0.1:${port.clientPort}`, mqttUrl: `mqtt://127.0.0.1:${port.mqttPort}`, process: new ServerProcess(`nats-server ${name}`, NATS_SERVER, ['-c', config], port.mqttPort) };
    });
    const cluster = new NatsCluster(nodes, directory);
    try {
      await Promise.all(nodes.map((node) => node.process.start()));
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.process.kill()));
    rmSync(this.directory, { recursive: true, force: true });
  }
}
