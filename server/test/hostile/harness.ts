import { expect, vi } from 'vitest';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { QUIRE_SUBPROTOCOL, encodeSyncStep1, encodeSyncUpdate } from '@quire/protocol';
import { createTempDir, startServerProcess, type ServerProcess } from '@quire/test-utils';
import { RawClient } from '../helpers/raw-client.ts';
import { signToken, TEST_SECRET, writeAll } from '../security/helpers/tokens.ts';

/**
 * One real server process (JWT auth on, LevelDB in a temp dir) shared by the
 * rows of a test file, restarted on the same data directory whenever a row
 * checks that stored documents survived.
 */
export class Harness {
  private constructor(
    public server: ServerProcess,
    readonly dataDir: string,
    private readonly args: readonly string[],
  ) {}

  static async start(args: readonly string[] = []): Promise<Harness> {
    const dataDir = await createTempDir();
    const server = await startServerProcess({ dataDir, args, env: { QUIRE_JWT_SECRET: TEST_SECRET } });
    return new Harness(server, dataDir, args);
  }

  get url(): string {
    return this.server.url;
  }

  /** Stops the server gracefully and starts a new one on the same data directory. */
  async restart(): Promise<void> {
    const exitCode = await this.server.stop('SIGTERM');
    expect(exitCode).toBe(0);
    await this.relaunch();
  }

  /** Starts a new server on the same data directory (after the last one was stopped or killed). */
  async relaunch(): Promise<void> {
    this.server = await startServerProcess({
      dataDir: this.dataDir,
      args: this.args,
      env: { QUIRE_JWT_SECRET: TEST_SECRET },
    });
  }

  /** Whether the server process is still running. */
  get alive(): boolean {
    return this.server.child.exitCode === null && this.server.child.signalCode === null;
  }
}

/** The document's URL; `token: null` leaves the token out. */
export function documentUrl(serverUrl: string, docName: string, token: string | null = writeAll()): string {
  const query = token === null ? '' : `?token=${encodeURIComponent(token)}`;
  return `${serverUrl}/${docName.split('/').map(encodeURIComponent).join('/')}${query}`;
}

/** A raw client that has opened and received the server's sync step 1. */
export async function openRaw(
  serverUrl: string,
  docName: string,
  options: { token?: string | null; extensions?: boolean } = {},
): Promise<RawClient> {
  const client = new RawClient(
    documentUrl(serverUrl, docName, options.token === undefined ? writeAll() : options.token),
    options.extensions === true ? [QUIRE_SUBPROTOCOL] : [],
  );
  await client.opened;
  await client.next('sync-step-1');
  return client;
}

export function textUpdate(text: string, doc: Y.Doc = new Y.Doc()): Uint8Array {
  const before = Y.encodeStateVector(doc);
  doc.getText('text').insert(doc.getText('text').length, text);
  return Y.encodeStateAsUpdate(doc, before);
}

/** Writes `text` into a document over quire.v1 and waits until the server says it is stored. */
export async function writeStored(serverUrl: string, docName: string, text: string): Promise<void> {
  const client = await openRaw(serverUrl, docName, { extensions: true });
  client.send(encodeSyncUpdate(textUpdate(text)));
  expect((await client.next('saved')).count).toBe(1);
  client.close();
  await client.closed;
}

/** The text of a document as the server serves it to a fresh client. */
export async function readText(serverUrl: string, docName: string): Promise<string> {
  const client = await openRaw(serverUrl, docName);
  client.send(encodeSyncStep1(Y.encodeStateVector(new Y.Doc())));
  const step2 = await client.next('sync-step-2');
  const doc = new Y.Doc();
  Y.applyUpdate(doc, step2.update);
  client.close();
  await client.closed;
  return doc.getText('text').toString();
}

const stockClients = new Set<WebsocketProvider>();

/** The stock y-websocket client with a token, as an app passes it through `params`. */
export function connectStock(serverUrl: string, docName: string, token: string = writeAll()): WebsocketProvider {
  const provider = new WebsocketProvider(serverUrl, docName, new Y.Doc(), {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    params: { token },
  });
  stockClients.add(provider);
  return provider;
}

export function destroyStockClients(): void {
  for (const provider of stockClients) {
    provider.destroy();
    provider.doc.destroy();
  }
  stockClients.clear();
}

export async function waitForSynced(...providers: WebsocketProvider[]): Promise<void> {
  await vi.waitFor(() => expect(providers.every((provider) => provider.synced)).toBe(true), { timeout: 10_000, interval: 10 });
}

let bystanderCount = 0;

/** Two well-behaved stock clients on a fresh document still converge: the server serves others. */
export async function assertBystandersServed(serverUrl: string): Promise<void> {
  const docName = `bystander-${++bystanderCount}`;
  const a = connectStock(serverUrl, docName);
  const b = connectStock(serverUrl, docName);
  await waitForSynced(a, b);
  a.doc.getText('text').insert(0, 'still served');
  await vi.waitFor(() => expect(b.doc.getText('text').toString()).toBe('still served'), { timeout: 10_000, interval: 10 });
  for (const provider of [a, b]) {
    stockClients.delete(provider);
    provider.destroy();
    provider.doc.destroy();
  }
}

/**
 * The closing checks of a row: other clients are served, and after a
 * restart every stored document reads back exactly as expected.
 */
export async function assertServedAndIntact(harness: Harness, expected: Readonly<Record<string, string>>): Promise<void> {
  expect(harness.alive).toBe(true);
  await assertBystandersServed(harness.url);
  await harness.restart();
  for (const [docName, text] of Object.entries(expected)) {
    expect(await readText(harness.url, docName), `document ${docName} after restart`).toBe(text);
  }
}

/** `GET /api/documents` as an operator with a token that may read every document (authentication is on). */
export async function listDocuments(harness: Harness): Promise<{ name: string; storedBytes: number }[]> {
  const response = await fetch(`${harness.server.httpUrl}/api/documents?token=${encodeURIComponent(signToken({ read: ['*'] }))}`);
  const body = (await response.json()) as { documents: { name: string; storedBytes: number }[] };
  return body.documents;
}
