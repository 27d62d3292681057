import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { rejectUpgrade } from '../transport/upgrade-request.ts';

type RequestListener = (this: Server, request: IncomingMessage, response: ServerResponse) => void;
type UpgradeListener = (this: Server, request: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** What attachToServer puts on the server (an embedded sync handler). */
export interface ServerMount {
  /** Whether `handleRequest` answers `request`; decided at once. */
  ownsRequest(request: IncomingMessage): boolean;
  handleRequest(request: IncomingMessage, response: ServerResponse): Promise<boolean>;
  /** True when it took the socket. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean;
}

/**
 * Puts `mount` in front of an app's HTTP server, which keeps listening and
 * serving the app. A server calls every listener of an event, so two would
 * both answer one request or write to one upgraded socket; as engine.io
 * does, the mount takes the `request` and `upgrade` listeners the server has
 * now (Express's app, Koa's callback, Fastify's router, a `ws` server) and
 * calls them itself for whatever is not its own, unchanged and at once.
 * Returns the undo, which puts them back.
 */
export function attachToServer(server: Server, mount: ServerMount): () => void {
  const onRequest: RequestListener = function (request, response) {
    if (mount.ownsRequest(request)) {
      void mount.handleRequest(request, response);
      return;
    }
    if (!passOn(this, requestListeners, 'request', request, response)) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      response.end('not found');
    }
  };
  const onUpgrade: UpgradeListener = function (request, socket, head) {
    if (mount.handleUpgrade(request, socket, head)) return;
    if (!passOn(this, upgradeListeners, 'upgrade', request, socket, head)) rejectUpgrade(socket, 404, 'not found');
  };
  const requestListeners = takeOver(server, 'request', onRequest);
  const upgradeListeners = takeOver(server, 'upgrade', onUpgrade);
  return () => {
    giveBack(server, 'request', onRequest, requestListeners);
    giveBack(server, 'upgrade', onUpgrade, upgradeListeners);
  };
}

/**
 * Hands what is not the mount's to the listeners it took over; false when
 * nobody will answer it: none were taken, and none was added since (those
 * the server calls itself).
 */
function passOn<Args extends unknown[]>(
  server: Server,
  listeners: readonly ((this: Server, ...args: Args) => void)[],
  event: 'request' | 'upgrade',
  ...args: Args
): boolean {
  for (const listener of listeners) listener.apply(server, args);
  return listeners.length > 0 || server.listenerCount(event) > 1;
}

function takeOver<Listener extends RequestListener | UpgradeListener>(
  server: Server,
  event: 'request' | 'upgrade',
  own: Listener,
): Listener[] {
  const taken = server.listeners(event) as Listener[];
  server.removeAllListeners(event);
  server.on(event, own);
  return taken;
}

function giveBack<Listener extends RequestListener | UpgradeListener>(
  server: Server,
  event: 'request' | 'upgrade',
  own: Listener,
  taken: readonly Listener[],
): void {
  server.off(event, own);
  // In front, in their order, as they were before.
  for (const listener of [...taken].reverse()) server.prependListener(event, listener);
}
