import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { decodeMessage } from '@quire/protocol';
import { inspectUpdate, resolveUpdateLimits } from '@quire/yjs-update';
import type { SharedMessage } from './shared-message.ts';
import { UpdateBroadcast, type BroadcastReceiver } from './update-broadcast.ts';

/** A connection reduced to what the broadcast uses, with the replica its client keeps. */
class Receiver implements BroadcastReceiver {
  readonly doc = new Y.Doc();
  readonly messages: Uint8Array[] = [];

  sendShared(message: SharedMessage): void {
    this.messages.push(message.bytes);
    const decoded = decodeMessage(message.bytes);
    if (!decoded.ok || decoded.message.type !== 'sync-update') throw new Error('not a sync update');
    Y.applyUpdate(this.doc, decoded.message.update);
  }

  /** A local edit: applied here, returned as the update its client sends. */
  edit(change: (doc: Y.Doc) => void): Uint8Array {
    let update: Uint8Array | undefined;
    const record = (bytes: Uint8Array): void => void (update = bytes);
    this.doc.on('update', record);
    change(this.doc);
    this.doc.off('update', record);
    return update!;
  }

  ownStructsReceived(): boolean {
    return this.messages.some((bytes) => {
      const decoded = decodeMessage(bytes);
      return decoded.ok && decoded.message.type === 'sync-update'
        && Y.decodeUpdate(decoded.message.update).structs.some((struct) => struct.id.client === this.doc.clientID);
    });
  }
}

const limits = resolveUpdateLimits({});

const endOfTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A writer and a reader whose broadcast just had a busy turn. */
async function busyPair(): Promise<{ writer: Receiver; reader: Receiver; broadcast: UpdateBroadcast }> {
  const writer = new Receiver();
  const reader = new Receiver();
  const broadcast = new UpdateBroadcast([writer, reader], limits);
  await busyTurn(broadcast, writer, [writer, reader]);
  return { writer, reader, broadcast };
}

/** A turn in which `source` made two changes, so the next turn's changes are all joined. */
async function busyTurn(broadcast: UpdateBroadcast, source: Receiver, receivers: readonly Receiver[]): Promise<void> {
  for (const key of ['warm-1', 'warm-2']) {
    const update = source.edit((doc) => doc.getMap('warm').set(key, true));
    broadcast.add(update, source, inspection(update));
  }
  await endOfTurn();
  for (const receiver of receivers) receiver.messages.length = 0;
}

function inspection(update: Uint8Array) {
  const result = inspectUpdate(update);
  if (!result.ok) throw new Error(result.detail);
  return result;
}

describe('UpdateBroadcast', () => {
  it('sends each receiver one message with everyone else’s changes of the turn, never its own', async () => {
    const receivers = [new Receiver(), new Receiver(), new Receiver(), new Receiver()];
    const broadcast = new UpdateBroadcast(receivers, limits);
    const [a, b, c, idle] = receivers as [Receiver, Receiver, Receiver, Receiver];
    await busyTurn(broadcast, idle, receivers);
    // Three writers, one of them twice; the second of a's edits is queued
    // without its inspection, as a change Yjs re-encoded would be.
    const a1 = a.edit((doc) => doc.getText('text').insert(0, 'a1'));
    const b1 = b.edit((doc) => doc.getMap('map').set('b', 1));
    const a2 = a.edit((doc) => doc.getText('text').delete(0, 1));
    const c1 = c.edit((doc) => doc.getArray('array').push(['c']));
    broadcast.add(a1, a, inspection(a1));
    broadcast.add(b1, b, inspection(b1));
    broadcast.add(a2, a);
    broadcast.add(c1, c, inspection(c1));
    broadcast.flush();
    // Nothing is left for the end of the turn.
    await endOfTurn();

    for (const receiver of receivers) {
      expect(receiver.messages).toHaveLength(1);
      expect(receiver.ownStructsReceived()).toBe(false);
      expect(receiver.doc.getText('text').toString()).toBe('1');
      expect(receiver.doc.getMap('map').toJSON()).toEqual({ b: 1 });
      expect(receiver.doc.getArray('array').toJSON()).toEqual(['c']);
    }
    expect(idle.messages[0]).not.toEqual(a.messages[0]);
  });

  it('sends changes one by one, in order, when they cannot be joined', async () => {
    const { writer, reader, broadcast } = await busyPair();
    const first = writer.edit((doc) => doc.getText('text').insert(0, 'x'));
    const second = writer.edit((doc) => doc.getText('text').insert(1, 'y'));
    const third = writer.edit((doc) => doc.getText('text').insert(2, 'z'));
    // Out of clock order for one client: no join is possible.
    broadcast.add(first, writer, inspection(first));
    broadcast.add(third, writer, inspection(third));
    broadcast.add(second, writer, inspection(second));
    broadcast.flush();
    expect(reader.messages).toHaveLength(3);
    expect(reader.doc.getText('text').toString()).toBe('xyz');
    expect(writer.messages).toHaveLength(0);
  });

  it('sends at the end of a busy turn without being flushed', async () => {
    const { writer, reader, broadcast } = await busyPair();
    const update = writer.edit((doc) => doc.getText('text').insert(0, 'later'));
    broadcast.add(update, writer, inspection(update));
    expect(reader.messages).toHaveLength(0);
    await endOfTurn();
    expect(reader.doc.getText('text').toString()).toBe('later');
  });

  it('sends the first change of a turn at once after a turn with one change, and joins the rest', async () => {
    const writer = new Receiver();
    const reader = new Receiver();
    const broadcast = new UpdateBroadcast([writer, reader], limits);
    const first = writer.edit((doc) => doc.getText('text').insert(0, 'a'));
    broadcast.add(first, writer, inspection(first));
    expect(reader.messages).toHaveLength(1);
    await endOfTurn();
    const updates = ['b', 'c', 'd'].map((letter) => writer.edit((doc) => doc.getText('text').insert(0, letter)));
    for (const update of updates) broadcast.add(update, writer, inspection(update));
    expect(reader.messages).toHaveLength(2);
    await endOfTurn();
    expect(reader.messages).toHaveLength(3);
    expect(reader.doc.getText('text').toString()).toBe('dcba');
    // That turn brought three: the next one's first change waits to be joined.
    const next = writer.edit((doc) => doc.getText('text').insert(0, 'e'));
    broadcast.add(next, writer, inspection(next));
    expect(reader.messages).toHaveLength(3);
    await endOfTurn();
    expect(reader.doc.getText('text').toString()).toBe('edcba');
  });
});
