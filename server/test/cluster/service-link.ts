import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP link from a node to a service (PostgreSQL, Redis) on 127.0.0.1 that
 * a test breaks in the two ways a network does: `cut()` resets every
 * connection and refuses new ones (the service down, a firewall that
 * rejects), `silence()` keeps every connection open and carries nothing
 * either way (a partition: requests hang until their timeouts; what was
 * sent meanwhile arrives after `restore()`, as TCP would deliver it).
 */
export class ServiceLink {
  private state: 'open' | 'cut' | 'silent' = 'open';
  private readonly pairs = new Set<{ readonly node: Socket; service: Socket | undefined }>();

  private constructor(
    private readonly server: Server,
    private readonly targetPort: number,
  ) {
    server.on('connection', (node: Socket) => this.accept(node));
  }

  static async open(targetPort: number): Promise<ServiceLink> {
    const server = createServer();
    const link = new ServiceLink(server, targetPort);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return link;
  }

  get port(): number {
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('link has no port');
    return address.port;
  }

  /** Resets every open connection and refuses new ones until `restore()`. */
  cut(): void {
    this.state = 'cut';
    for (const pair of [...this.pairs]) this.drop(pair);
  }

  /** Carries nothing either way, connections kept open, until `restore()` or `cut()`. */
  silence(): void {
    this.state = 'silent';
    for (const { node, service } of this.pairs) {
      node.pause();
      service?.pause();
    }
  }

  restore(): void {
    this.state = 'open';
    for (const pair of this.pairs) {
      // Connections accepted while silent reach the service only now.
      pair.service ??= this.connectService(pair);
      pair.node.resume();
      pair.service.resume();
    }
  }

  async close(): Promise<void> {
    for (const pair of [...this.pairs]) this.drop(pair);
    this.server.close();
    await once(this.server, 'close');
  }

  private accept(node: Socket): void {
    node.on('error', () => undefined);
    node.setNoDelay(true);
    if (this.state === 'cut') {
      node.resetAndDestroy();
      return;
    }
    const pair: { node: Socket; service: Socket | undefined } = { node, service: undefined };
    this.pairs.add(pair);
    node.once('close', () => this.drop(pair));
    if (this.state === 'silent') node.pause();
    else pair.service = this.connectService(pair);
  }

  private connectService(pair: { readonly node: Socket; service: Socket | undefined }): Socket {
    const service = connect({ host: '127.0.0.1', port: this.targetPort });
    service.on('error', () => undefined);
    service.setNoDelay(true);
    service.once('close', () => this.drop(pair));
    // Not pipe(): a pipe resumes a paused source when its destination drains.
    pair.node.on('data', (chunk: Buffer) => service.write(chunk));
    service.on('data', (chunk: Buffer) => pair.node.write(chunk));
    return service;
  }

  private drop(pair: { readonly node: Socket; service: Socket | undefined }): void {
    if (!this.pairs.delete(pair)) return;
    pair.node.resetAndDestroy();
    pair.service?.destroy();
  }
}
