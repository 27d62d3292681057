import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import { checkOwnership, ClientOwnership, samePrincipal, type UpdateMessageKind, type Writer } from './client-ownership.ts';
import { inspectUpdate, type UpdateInspection } from '@quire/yjs-update';

function inspect(update: Uint8Array): UpdateInspection {
  const result = inspectUpdate(update);
  if (!result.ok) throw new Error(`${result.code}: ${result.detail}`);
  return result;
}

/** A document whose every local update is recorded. */
function client(clientId: number): { doc: Y.Doc; updates: Uint8Array[] } {
  const doc = new Y.Doc();
  doc.clientID = clientId;
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin !== 'remote') updates.push(update);
  });
  return { doc, updates };
}

/** The server side: a document plus the owner table, applying only what the rule accepts. */
class Server {
  doc = new Y.Doc();
  readonly ownership = new ClientOwnership();

  receive(update: Uint8Array, writer: Writer, kind: UpdateMessageKind = 'sync-update') {
    const verdict = this.ownership.check({
      inspection: inspect(update),
      writer,
      kind,
      serverClock: (id) => Y.getState(this.doc.store, id),
    });
    if (verdict.ok) {
      Y.applyUpdate(this.doc, update, writer);
      this.ownership.commit(verdict, writer);
    }
    return verdict;
  }
}

const alice: Writer = { connectionId: 1 };
const mallory: Writer = { connectionId: 2 };

describe('client ownership', () => {
  it('lets a connection write and claim its own client ID through sync-update', () => {
    const server = new Server();
    const a = client(100);
    a.doc.getText('t').insert(0, 'hello');
    expect(server.receive(a.updates[0] as Uint8Array, alice)).toMatchObject({ ok: true, claims: [100], writtenClients: [100] });
    expect(server.ownership.ownerOf(100)).toEqual(alice);
    a.doc.getText('t').insert(5, '!');
    expect(server.receive(a.updates[1] as Uint8Array, alice)).toMatchObject({ ok: true, claims: [] });
    expect(server.doc.getText('t').toString()).toBe('hello!');
  });

  it('refuses clock poisoning of a live owner, so the victim keeps editing', () => {
    const server = new Server();
    const victim = client(100);
    victim.doc.getText('t').insert(0, 'mine');
    server.receive(victim.updates[0] as Uint8Array, alice);

    // A GC struct under the victim's ID at its current clock, 1000 clocks long.
    const encoder = encoding.createEncoder();
    for (const value of [1, 1, 100, 4]) encoding.writeVarUint(encoder, value);
    encoding.writeUint8(encoder, 0);
    encoding.writeVarUint(encoder, 1000);
    encoding.writeVarUint(encoder, 0);
    const poison = encoding.toUint8Array(encoder);

    expect(server.receive(poison, mallory)).toMatchObject({
      ok: false,
      code: 'ERR_UPDATE_FOREIGN_CLIENT',
      clientId: 100,
      owner: alice,
    });
    victim.doc.getText('t').insert(4, ' edit');
    expect(server.receive(victim.updates[1] as Uint8Array, alice).ok).toBe(true);
    expect(server.doc.getText('t').toString()).toBe('mine edit');

    // What the rule prevents: applied unchecked, the same bytes swallow the victim's next edit.
    const unprotected = new Y.Doc();
    Y.applyUpdate(unprotected, victim.updates[0] as Uint8Array);
    Y.applyUpdate(unprotected, poison);
    Y.applyUpdate(unprotected, victim.updates[1] as Uint8Array);
    expect(unprotected.getText('t').toString()).toBe('mine');
  });

  it('lets anyone replay structs the server already holds, even for a live owner', () => {
    const server = new Server();
    const a = client(100);
    a.doc.getText('t').insert(0, 'hello');
    server.receive(a.updates[0] as Uint8Array, alice);
    expect(server.receive(Y.encodeStateAsUpdate(a.doc), mallory, 'sync-step-2')).toMatchObject({
      ok: true,
      claims: [],
      writtenClients: [],
    });
  });

  it('restores other users’ edits after the server lost them, without claiming them', () => {
    const server = new Server();
    const a = client(100);
    const b = client(200);
    b.doc.getText('t').insert(0, 'from b');
    Y.applyUpdate(a.doc, Y.encodeStateAsUpdate(b.doc), 'remote');
    a.doc.getText('t').insert(0, 'from a, ');
    // The server restarted empty; A answers its SyncStep1 with everything it has.
    const step2 = Y.encodeStateAsUpdate(a.doc, Y.encodeStateVector(server.doc));
    expect(server.receive(step2, alice, 'sync-step-2')).toMatchObject({ ok: true, claims: [], writtenClients: [200, 100] });
    expect(server.ownership.size).toBe(0);
    // B comes back and keeps writing under its own ID, and claims it.
    const bob: Writer = { connectionId: 3 };
    b.doc.getText('t').insert(6, '!');
    expect(server.receive(b.updates.at(-1) as Uint8Array, bob)).toMatchObject({ ok: true, claims: [200] });
    expect(server.doc.getText('t').toString()).toBe('from a, from b!');
  });

  it('does not claim from a step 2 that restores only another user’s lost edits', () => {
    const server = new Server();
    const a = client(100);
    const b = client(200);
    b.doc.getText('t').insert(0, 'lost');
    Y.applyUpdate(a.doc, Y.encodeStateAsUpdate(b.doc), 'remote');
    // The server lost B's edit; A reconnects first and its step 2 carries B's structs only.
    const step2 = Y.encodeStateAsUpdate(a.doc, Y.encodeStateVector(server.doc));
    expect(server.receive(step2, alice, 'sync-step-2')).toMatchObject({ ok: true, claims: [], writtenClients: [200] });
    const bob: Writer = { connectionId: 3 };
    b.doc.getText('t').insert(4, '!');
    expect(server.receive(b.updates.at(-1) as Uint8Array, bob)).toMatchObject({ ok: true, claims: [200] });
  });

  it('does not claim from an update that writes several clients', () => {
    const server = new Server();
    const a = client(100);
    const b = client(200);
    a.doc.getText('t').insert(0, 'a');
    b.doc.getText('t').insert(0, 'b');
    const merged = Y.mergeUpdates([Y.encodeStateAsUpdate(a.doc), Y.encodeStateAsUpdate(b.doc)]);
    expect(server.receive(merged, alice)).toMatchObject({ ok: true, claims: [] });
  });

  it('refuses a struct gap and heals it with a SyncStep1 round trip', () => {
    const server = new Server();
    const a = client(100);
    a.doc.getText('t').insert(0, 'one');
    a.doc.getText('t').insert(3, 'two');
    expect(server.receive(a.updates[1] as Uint8Array, alice)).toMatchObject({
      ok: false,
      code: 'ERR_UPDATE_CLOCK_GAP',
      clientId: 100,
      serverClock: 0,
      requiredClock: 3,
      cause: 'structs',
    });
    expect(server.doc.store.pendingStructs).toBeNull();
    const resync = Y.encodeStateAsUpdate(a.doc, Y.encodeStateVector(server.doc));
    expect(server.receive(resync, alice, 'sync-step-2').ok).toBe(true);
    expect(server.doc.getText('t').toString()).toBe('onetwo');
    expect(server.doc.store.pendingStructs).toBeNull();
  });

  it('refuses content after a Skip unless the server holds the skipped clocks', () => {
    const server = new Server();
    const a = client(100);
    for (const word of ['one', 'two', 'three']) a.doc.getText('t').insert(0, word);
    const [first, second, third] = a.updates as [Uint8Array, Uint8Array, Uint8Array];
    const withSkip = Y.mergeUpdates([first, third]);
    expect(server.receive(withSkip, alice)).toMatchObject({ ok: false, code: 'ERR_UPDATE_CLOCK_GAP', requiredClock: 6 });
    server.receive(first, alice);
    server.receive(second, alice);
    expect(server.receive(withSkip, alice).ok).toBe(true);
    expect(server.doc.getText('t').toString()).toBe('threetwoone');
  });

  it('refuses references to another client’s clocks the server lacks', () => {
    const server = new Server();
    const a = client(100);
    const b = client(200);
    b.doc.getText('t').insert(0, 'b text');
    Y.applyUpdate(a.doc, Y.encodeStateAsUpdate(b.doc), 'remote');
    a.doc.getText('t').insert(6, ' after');
    expect(server.receive(a.updates.at(-1) as Uint8Array, alice)).toMatchObject({
      ok: false,
      code: 'ERR_UPDATE_CLOCK_GAP',
      clientId: 200,
      cause: 'reference',
      requiredClock: 6,
    });
    expect(server.doc.store.pendingStructs).toBeNull();
  });

  it('refuses deletes of clocks the server lacks', () => {
    const server = new Server();
    const a = client(100);
    const b = client(200);
    b.doc.getText('t').insert(0, 'b text');
    Y.applyUpdate(a.doc, Y.encodeStateAsUpdate(b.doc), 'remote');
    a.doc.getText('t').delete(0, 2);
    expect(server.receive(a.updates.at(-1) as Uint8Array, alice)).toMatchObject({
      ok: false,
      code: 'ERR_UPDATE_CLOCK_GAP',
      clientId: 200,
      cause: 'delete-set',
    });
    expect(server.doc.store.pendingDs).toBeNull();
  });

  it('allows a take-over between connections of the same principal only', () => {
    const server = new Server();
    const a = client(100);
    const oldTab: Writer = { connectionId: 1, principal: 'user-1' };
    const newTab: Writer = { connectionId: 5, principal: 'user-1' };
    const stranger: Writer = { connectionId: 6, principal: 'user-2' };
    a.doc.getText('t').insert(0, 'x');
    server.receive(a.updates[0] as Uint8Array, oldTab);
    a.doc.getText('t').insert(1, 'y');
    const next = a.updates[1] as Uint8Array;
    expect(server.receive(next, stranger)).toMatchObject({ ok: false, code: 'ERR_UPDATE_FOREIGN_CLIENT' });
    expect(server.receive(next, newTab)).toMatchObject({ ok: true, takeOvers: [100] });
    expect(server.ownership.ownerOf(100)).toEqual(newTab);
    expect(server.ownership.clientsOf(1).size).toBe(0);
    expect(samePrincipal({ connectionId: 1 }, { connectionId: 2 })).toBe(false);
    expect(samePrincipal({ connectionId: 1, principal: '' }, { connectionId: 2, principal: '' })).toBe(false);
  });

  it('accepts a custom take-over policy', () => {
    const a = client(100);
    a.doc.getText('t').insert(0, 'x');
    const ownership = new ClientOwnership();
    ownership.claim(100, alice);
    const verdict = checkOwnership({
      inspection: inspect(a.updates[0] as Uint8Array),
      writer: mallory,
      kind: 'sync-update',
      serverClock: () => 0,
      ownership,
      mayTakeOver: (owner) => owner.connectionId === 1,
    });
    expect(verdict).toMatchObject({ ok: true, takeOvers: [100] });
  });

  it('frees client IDs when their connection leaves', () => {
    const server = new Server();
    const a = client(100);
    a.doc.getText('t').insert(0, 'x');
    server.receive(a.updates[0] as Uint8Array, alice);
    expect(server.ownership.releaseConnection(alice.connectionId)).toEqual([100]);
    expect(server.ownership.releaseConnection(alice.connectionId)).toEqual([]);
    a.doc.getText('t').insert(1, 'y');
    expect(server.receive(a.updates[1] as Uint8Array, mallory)).toMatchObject({ ok: true, claims: [100] });
  });

  it('caps the client IDs one connection can own', () => {
    const ownership = new ClientOwnership({ maxClientsPerConnection: 2 });
    expect(ownership.claim(1, alice)).toBe('claimed');
    expect(ownership.claim(1, alice)).toBe('already-owned');
    expect(ownership.claim(2, alice)).toBe('claimed');
    expect(ownership.claim(3, alice)).toBe('over-cap');
    expect(ownership.claim(1, mallory)).toBe('owned-by-other');
    expect(ownership.claim(1, mallory, { transfer: true })).toBe('claimed');
    expect(ownership.clientsOf(alice.connectionId)).toEqual(new Set([2]));
    expect(() => new ClientOwnership({ maxClientsPerConnection: -1 })).toThrow(RangeError);
  });
});
