import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { inspectUpdate, type UpdateInspection } from '@quire/yjs-update';
import { TurnApplyQueue, type AppliedTurn } from './turn-apply-queue.ts';

const endOfTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function inspection(update: Uint8Array): UpdateInspection {
  const result = inspectUpdate(update);
  if (!result.ok) throw new Error(result.detail);
  return result;
}

/** A client's replica: each local edit returns the update its client would send. */
class Client {
  readonly doc = new Y.Doc();

  edit(change: (doc: Y.Doc) => void): Uint8Array {
    let update: Uint8Array | undefined;
    const record = (bytes: Uint8Array): void => void (update = bytes);
    this.doc.on('update', record);
    this.doc.transact(() => change(this.doc));
    this.doc.off('update', record);
    if (update === undefined) throw new Error('the edit changed nothing');
    return update;
  }

  /** Takes in another client's update, as the room's broadcast would deliver it. */
  receive(update: Uint8Array): void {
    Y.applyUpdate(this.doc, update);
  }
}

/** A room document with its queue, recording every turn it applies. */
function queueFor(doc: Y.Doc): { queue: TurnApplyQueue<string>; turns: AppliedTurn<string>[]; turnErrors: unknown[] } {
  const turns: AppliedTurn<string>[] = [];
  const turnErrors: unknown[] = [];
  const queue = new TurnApplyQueue<string>(doc, (turn) => turns.push(turn), (error) => turnErrors.push(error));
  return { queue, turns, turnErrors };
}

describe('TurnApplyQueue', () => {
  it('integrates the turn’s changes at its end, in order, and counts them in clockOf meanwhile', async () => {
    const room = new Y.Doc();
    const { queue, turns } = queueFor(room);
    const ada = new Client();
    const first = ada.edit((doc) => doc.getText('t').insert(0, 'ab'));
    const second = ada.edit((doc) => doc.getText('t').insert(2, 'cd'));
    queue.add({ update: first, inspection: inspection(first), source: 'first' });
    queue.add({ update: second, inspection: inspection(second), source: 'second' });

    expect(room.getText('t').toString()).toBe('');
    expect(Y.getState(room.store, ada.doc.clientID)).toBe(0);
    expect(queue.clockOf(ada.doc.clientID)).toBe(4);
    expect(queue.clockOf(12345)).toBe(0);

    await endOfTurn();
    expect(room.getText('t').toString()).toBe('abcd');
    expect(queue.clockOf(ada.doc.clientID)).toBe(4);
    expect(turns).toHaveLength(1);
    expect(turns[0]!.changes.map((change) => change.source)).toEqual(['first', 'second']);
    expect(turns[0]!.failures).toEqual([]);
  });

  it('gives a change that builds on another client’s queued change that change in place, deletions included', async () => {
    const room = new Y.Doc();
    const { queue, turns } = queueFor(room);
    const ada = new Client();
    const grace = new Client();
    const updates: Uint8Array[] = [];
    const send = (from: Client, to: Client, update: Uint8Array): void => {
      updates.push(update);
      to.receive(update);
      queue.add({ update, inspection: inspection(update), source: String(from.doc.clientID) });
    };
    send(ada, grace, ada.edit((doc) => doc.getText('t').insert(0, 'hello')));
    send(grace, ada, grace.edit((doc) => doc.getText('t').insert(5, ' world')));
    send(ada, grace, ada.edit((doc) => doc.getText('t').delete(0, 1)));
    send(grace, ada, grace.edit((doc) => doc.getText('t').insert(0, 'H')));
    send(ada, grace, ada.edit((doc) => doc.getMap('m').set('k', new Y.Map())));

    await endOfTurn();
    const oneByOne = new Y.Doc();
    for (const update of updates) Y.applyUpdate(oneByOne, update);
    expect(room.getText('t').toString()).toBe('Hello world');
    expect(room.getText('t').toString()).toBe(ada.doc.getText('t').toString());
    expect(Y.encodeStateAsUpdate(room)).toEqual(Y.encodeStateAsUpdate(oneByOne));
    expect(room.store.pendingStructs).toBeNull();
    // Integrated as one update, which holds exactly the five changes.
    const joined = turns[0]!.joined!;
    const fromJoined = new Y.Doc();
    Y.applyUpdate(fromJoined, joined);
    expect(Y.encodeStateAsUpdate(fromJoined)).toEqual(Y.encodeStateAsUpdate(oneByOne));
  });

  it('applyAll integrates at once, the end of the turn then has nothing left, and clear drops changes unapplied', async () => {
    const room = new Y.Doc();
    const { queue, turns } = queueFor(room);
    const ada = new Client();
    const update = ada.edit((doc) => doc.getText('t').insert(0, 'now'));
    queue.add({ update, inspection: inspection(update), source: 'now' });
    queue.applyAll();
    expect(room.getText('t').toString()).toBe('now');
    await endOfTurn();
    expect(turns).toHaveLength(1);

    const dropped = ada.edit((doc) => doc.getText('t').insert(3, '!'));
    queue.add({ update: dropped, inspection: inspection(dropped), source: 'dropped' });
    queue.clear();
    expect(queue.clockOf(ada.doc.clientID)).toBe(3);
    await endOfTurn();
    expect(room.getText('t').toString()).toBe('now');
    expect(turns).toHaveLength(1);
  });

  it('reports a change Yjs throws on, with what it integrated, and still integrates the others', async () => {
    const room = new Y.Doc();
    const { queue, turns } = queueFor(room);
    const ada = new Client();
    const grace = new Client();
    const good = ada.edit((doc) => doc.getText('t').insert(0, 'kept'));
    const valid = grace.edit((doc) => doc.getMap('m').set('k', new Y.Map()));
    // The last struct is a nested Y.Map: its type reference sits just before
    // the empty delete set. Yjs has no type 99 and throws reading it.
    const broken = valid.slice();
    expect(broken[broken.length - 2]).toBe(1);
    broken[broken.length - 2] = 99;
    const later = ada.edit((doc) => doc.getText('t').insert(4, ' too'));
    queue.add({ update: good, inspection: inspection(good), source: 'good' });
    queue.add({ update: broken, inspection: inspection(valid), source: 'broken' });
    queue.add({ update: later, inspection: inspection(later), source: 'later' });

    await endOfTurn();
    expect(room.getText('t').toString()).toBe('kept too');
    const [turn] = turns;
    expect(turn!.changes.map((change) => change.source)).toEqual(['good', 'broken', 'later']);
    expect(turn!.failures.map((failure) => failure.change.source)).toEqual(['broken']);
    expect(turn!.joined).toBeUndefined();
    // Nothing of grace's change was integrated, so what it integrated adds nothing of hers.
    const integrated = Y.decodeUpdate(turn!.failures[0]!.integrated);
    expect(integrated.structs.filter((struct) => struct.id.client === grace.doc.clientID)).toEqual([]);
    expect(room.getMap('m').has('k')).toBe(false);
  });
});
