import * as Y from 'yjs';
import { BenchClient } from './bench-client.ts';
import { closeClients, joinClients } from './join-clients.ts';
import { cpuPerDelivered, startCpuMeter } from './cpu-meter.ts';
import { PeakRssMonitor } from './process-sampler.ts';
import { waitUntil, type Figures, type Scenario, type ScenarioId } from './scenario.ts';
import type { Target } from './targets.ts';

interface Writer {
  readonly doc: Y.Doc;
  readonly text: Y.Text;
  sent: number;
}

/** The node (index into the harness's base URLs) of client `member` of document `document`. */
type Placement = (document: number, member: number, nodes: number) => number;

/**
 * Every client of every document writes, each keeping at most `inFlight`
 * inserts that some other replica of its document has not received yet.
 * `placement` puts the clients on a cluster's nodes.
 */
const throughput = (id: ScenarioId, title: string, appliesTo: (target: Target) => boolean, placement: Placement): Scenario => ({
  id,
  title,
  appliesTo,
  async run(harness, scale) {
    const { documents, clientsPerDocument, inFlight, durationMs } = scale.s2;
    const wire = harness.createWire();
    let writing = false;
    const groups: Writer[][] = [];
    const clients: BenchClient[] = [];

    const lag = (writer: Writer, group: readonly Writer[]): number => {
      let slowest = writer.sent;
      for (const other of group) {
        if (other !== writer) slowest = Math.min(slowest, Y.getState(other.doc.store, writer.doc.clientID));
      }
      return writer.sent - slowest;
    };
    const write = (group: readonly Writer[]): void => {
      if (!writing) return;
      for (const writer of group) {
        while (lag(writer, group) < inFlight) {
          writer.sent += 1;
          writer.text.insert(0, 'x');
        }
      }
    };

    for (let index = 0; index < documents; index += 1) {
      const group: Writer[] = [];
      groups.push(group);
      for (let member = 0; member < clientsPerDocument; member += 1) {
        const doc = new Y.Doc();
        group.push({ doc, text: doc.getText('text'), sent: 0 });
        clients.push(
          new BenchClient({
            baseUrl: harness.baseUrls[placement(index, member, harness.baseUrls.length)]!,
            docName: `s2-document-${index}`,
            wire,
            doc,
            onRemoteUpdate: () => write(group),
          }),
        );
      }
    }
    await joinClients(clients, harness.target);

    const cpu = startCpuMeter(harness);
    const rss = new PeakRssMonitor(harness.servers.map((server) => server.pid));
    const start = performance.now();
    const generatorBefore = process.cpuUsage();
    writing = true;
    for (const group of groups) write(group);
    await new Promise((resolve) => setTimeout(resolve, durationMs));
    writing = false;
    const converged = await waitUntil(
      () =>
        groups.every((group) =>
          group.every((writer) => group.every((other) => Y.getState(other.doc.store, writer.doc.clientID) === writer.sent)),
        ),
      30_000,
      20,
    );
    const elapsedMs = performance.now() - start;
    const generator = process.cpuUsage(generatorBefore);
    const spent = cpu();
    const peakRss = rss.stop();
    let framesIn = 0;
    for (const client of clients) framesIn += client.messagesIn;
    await closeClients(clients);

    let inserts = 0;
    for (const group of groups) for (const writer of group) inserts += writer.sent;
    const delivered = inserts * (clientsPerDocument - 1);
    const figures: Figures = {
      'delivered updates/s': converged ? (delivered * 1000) / elapsedMs : Number.NaN,
      'server CPU per delivered update (µs)': (spent.servers * 1000) / delivered,
      'all replicas converge (1 = yes)': converged ? 1 : 0,
      'peak RSS (MiB)': peakRss / 2 ** 20,
      'frames received per delivered update': framesIn / delivered,
    };
    if (harness.target.nodes === undefined) return figures;
    // How busy the shared cores were: the nodes, their services and the load generator.
    const coreShare = (cpuMs: number): number => (100 * cpuMs) / elapsedMs;
    return {
      ...figures,
      ...cpuPerDelivered(spent, delivered),
      'nodes, Redis and PostgreSQL CPU (% of a core)': coreShare(spent.servers + spent.redis + spent.postgres),
      'load generator CPU (% of a core)': coreShare((generator.user + generator.system) / 1000),
    };
  },
});

/**
 * Client m of document d on node (d + m) mod n: every document spans the
 * nodes, so every update crosses between nodes.
 */
export const s2Throughput = throughput('S2', 'throughput', () => true, (document, member, nodes) => (document + member) % nodes);

/**
 * S2 with every client of document d on node d mod n, where a load balancer
 * routing by document puts them: updates stay on their node. Clusters only
 * (on one server it is S2).
 */
export const s7ThroughputByDocument = throughput(
  'S7',
  'throughput, a node per document',
  (target) => target.nodes !== undefined,
  (document, _member, nodes) => document % nodes,
);
