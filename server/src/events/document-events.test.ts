import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSilentLogger } from '../logger.ts';
import { DocumentEvents } from './document-events.ts';
import { ServerEventEmitter } from './event-emitter.ts';
import type { ServerEventName } from './server-events.ts';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

const UPDATE = new Uint8Array([0, 0]);
const alice = { kind: 'connection', connectionId: 1, subject: 'alice' } as const;
const anonymous = { kind: 'connection', connectionId: 2, subject: undefined } as const;

function setUp(debounceMs = 100) {
  const emitter = new ServerEventEmitter(createSilentLogger());
  const seen: string[] = [];
  const names: ServerEventName[] = ['documentLoaded', 'documentChanged', 'documentStored'];
  for (const name of names) {
    emitter.on(name, (event) => {
      seen.push('changedBy' in event ? `${name} ${JSON.stringify(event.changedBy)}` : name);
    });
  }
  const events = new DocumentEvents(emitter, debounceMs);
  const after = async (ms: number): Promise<string[]> => {
    await vi.advanceTimersByTimeAsync(ms);
    return seen;
  };
  return { events, after };
}

describe('DocumentEvents', () => {
  it('reports a load, then one change per period with its authors, then stored', async () => {
    const { events, after } = setUp();
    events.loaded('doc');
    events.changed('doc', UPDATE, alice);
    events.changed('doc', UPDATE, anonymous);
    events.changed('doc', UPDATE, { kind: 'server' });
    events.changed('doc', UPDATE, alice);
    events.stored('doc');
    expect(await after(99)).toEqual(['documentLoaded']);
    expect(await after(1)).toEqual([
      'documentLoaded',
      'documentChanged [{"connectionId":1,"user":"alice"},{"connectionId":2},{"server":true}]',
      'documentStored',
    ]);
  });

  it('holds documentStored back until the period ends, and until the store confirms its last change', async () => {
    const { events, after } = setUp();
    events.changed('doc', UPDATE, alice);
    events.stored('doc');
    events.changed('doc', UPDATE, anonymous);
    expect(await after(100)).toEqual(['documentChanged [{"connectionId":1,"user":"alice"},{"connectionId":2}]']);
    events.stored('doc');
    expect(await after(0)).toHaveLength(2);
    expect((await after(0))[1]).toBe('documentStored');
  });

  it('does not repeat documentStored without a change in between', async () => {
    const { events, after } = setUp();
    events.stored('doc');
    events.changed('doc', UPDATE, alice);
    events.stored('doc');
    await after(100);
    events.stored('doc');
    events.stored('doc');
    expect(await after(100)).toEqual(['documentChanged [{"connectionId":1,"user":"alice"}]', 'documentStored']);
  });

  it('emits what is pending on flush', async () => {
    const { events, after } = setUp(60_000);
    events.changed('a', UPDATE, alice);
    events.changed('b', UPDATE, { kind: 'server' });
    events.stored('a');
    events.flush();
    expect(await after(0)).toEqual([
      'documentChanged [{"connectionId":1,"user":"alice"}]',
      'documentStored',
      'documentChanged [{"server":true}]',
    ]);
  });

  it('tracks nothing while no one listens to changes or stores', async () => {
    const emitter = new ServerEventEmitter(createSilentLogger());
    const events = new DocumentEvents(emitter, 10);
    events.changed('doc', UPDATE, alice);
    const seen: string[] = [];
    emitter.on('documentStored', (event) => void seen.push(event.documentName));
    events.stored('doc');
    await vi.advanceTimersByTimeAsync(10);
    expect(seen).toEqual([]);
  });
});
