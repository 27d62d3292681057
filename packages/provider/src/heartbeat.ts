export interface HeartbeatOptions {
  /** On a pinging connection, a ping goes out after this long without a message. 0: never ping. */
  readonly intervalMs: number;
  /** The connection is dead after this long without any message from the server. */
  readonly timeoutMs: number;
  readonly now: () => number;
  readonly sendPing: (id: number) => void;
  readonly onDead: () => void;
}

/**
 * Watches one connection for silence. Any message from the server proves the
 * link alive; on a quiet document a quire.v1 server is asked to prove it with
 * a ping. A single timer is re-armed only when it fires, so incoming messages
 * cost one clock read, not a timer each.
 */
export class Heartbeat {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastReceivedAt = 0;
  private lastPingAt = 0;
  private pinging = false;
  private nextPingId = 0;

  constructor(private readonly options: HeartbeatOptions) {}

  get running(): boolean {
    return this.timer !== undefined;
  }

  /**
   * Starts watching a freshly opened connection. When `pinging`, the first
   * ping goes out at once: its pong is how the provider learns that the
   * server really speaks quire.v1 (some servers echo any offered subprotocol).
   */
  start(pinging: boolean): void {
    this.stop();
    this.pinging = pinging && this.options.intervalMs > 0;
    this.lastReceivedAt = this.options.now();
    if (pinging) this.ping();
    this.schedule();
  }

  received(): void {
    this.lastReceivedAt = this.options.now();
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private ping(): void {
    this.lastPingAt = this.options.now();
    this.options.sendPing(this.nextPingId++);
  }

  private schedule(): void {
    const { intervalMs, timeoutMs, now } = this.options;
    let due = this.lastReceivedAt + timeoutMs;
    if (this.pinging) due = Math.min(due, Math.max(this.lastReceivedAt, this.lastPingAt) + intervalMs);
    this.timer = setTimeout(this.tick, Math.max(0, due - now()));
  }

  private readonly tick = (): void => {
    this.timer = undefined;
    const now = this.options.now();
    if (now - this.lastReceivedAt >= this.options.timeoutMs) {
      this.options.onDead();
      return;
    }
    if (this.pinging && now - Math.max(this.lastReceivedAt, this.lastPingAt) >= this.options.intervalMs) {
      this.ping();
    }
    this.schedule();
  };
}
