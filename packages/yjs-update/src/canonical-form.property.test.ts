import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { concatenateUpdates, type InspectedUpdate } from './update-concatenation.ts';
import { inspectUpdate } from './update-inspector.ts';
import { toCanonicalUpdate } from './canonical-update.ts';
import { authoredHistory, clientIds, editOp, groupsOf, history, replay } from '@quire/test-utils/yjs';

// Joins are stored and sent in place of the updates they join, so they must
// be in Yjs's own form and mean exactly what the parts mean: to a receiver
// that holds everything before them, and to one whose sync has not finished
// (it keeps what it cannot integrate yet as pending structs and a pending
// delete set, and the latter is where out-of-order delete ranges go wrong).

function inspected(update: Uint8Array): InspectedUpdate {
  const inspection = inspectUpdate(update);
  if (!inspection.ok) throw new Error(inspection.detail);
  return { update, inspection };
}

function join(parts: readonly Uint8Array[]): Uint8Array {
  const joined = concatenateUpdates(parts.map(inspected));
  if (joined === undefined) throw new Error('updates in arrival order must join');
  return joined;
}

/** Checks Yjs's form with Yjs's own decoder, independently of the inspector. */
function expectYjsForm(update: Uint8Array): void {
  expect(inspected(update).inspection.canonical).toBe(true);
  const { structs, ds } = Y.decodeUpdate(update);
  for (let index = 1; index < structs.length; index++) {
    const previous = structs[index - 1]!.id;
    const current = structs[index]!.id;
    if (previous.client === current.client) expect(current.clock).toBe(previous.clock + structs[index - 1]!.length);
    else expect(current.client).toBeLessThan(previous.client);
  }
  const clients = [...ds.clients.keys()];
  for (let index = 1; index < clients.length; index++) expect(clients[index]!).toBeLessThan(clients[index - 1]!);
  for (const ranges of ds.clients.values()) {
    for (let index = 1; index < ranges.length; index++) {
      expect(ranges[index]!.clock).toBeGreaterThan(ranges[index - 1]!.clock + ranges[index - 1]!.len);
    }
    for (const range of ranges) expect(range.len).toBeGreaterThan(0);
  }
}

function expectSame(actual: Y.Doc, expected: Y.Doc): void {
  expect(actual.store.pendingStructs).toBeNull();
  expect(actual.store.pendingDs).toBeNull();
  expect(actual.getText('text').toString()).toBe(expected.getText('text').toString());
  expect(actual.getMap('map').toJSON()).toEqual(expected.getMap('map').toJSON());
  expect(Y.equalSnapshots(Y.snapshot(actual), Y.snapshot(expected))).toBe(true);
}

const scenario = fc.record({
  ids: clientIds,
  ops: fc.array(editOp, { minLength: 1, maxLength: 40 }),
  cuts: fc.array(fc.boolean(), { minLength: 1, maxLength: 12 }),
  // How many of the groups the late receiver misses before its sync completes.
  missed: fc.nat(),
  // After how many of the remaining joins the late receiver's sync completes.
  syncAfter: fc.nat(),
});

describe('joined updates (property)', () => {
  it('are in Yjs form and equal their parts, for synced receivers and for receivers whose sync has not finished', () => {
    fc.assert(
      fc.property(scenario, ({ ids, ops, cuts, missed, syncAfter }) => {
        const log = history(ids, ops);
        const expected = replay(log);
        const groups = groupsOf(log, cuts);
        const joins = groups.map(join);
        for (const joined of joins) expectYjsForm(joined);

        // A receiver that holds everything before each join.
        expectSame(replay(joins), expected);

        // A receiver that joined late: it gets the joins from group `skip` on
        // before the sync step 2 that brings it everything earlier.
        const skip = missed % (groups.length + 1);
        const late = new Y.Doc();
        const later = joins.slice(skip);
        const completeAt = syncAfter % (later.length + 1);
        const prefix = groups.slice(0, skip).flat();
        // The server's step 2: everything before, as Yjs encodes a state.
        const stepTwo = prefix.length === 0 ? undefined : Y.encodeStateAsUpdate(replay(prefix));
        later.forEach((joined, index) => {
          if (index === completeAt && stepTwo !== undefined) Y.applyUpdate(late, stepTwo);
          Y.applyUpdate(late, joined);
        });
        if (completeAt === later.length && stepTwo !== undefined) Y.applyUpdate(late, stepTwo);
        expectSame(late, expected);
      }),
      { numRuns: 300 },
    );
  });

  it("joined for each author without the author's own changes, equal the parts", () => {
    fc.assert(
      fc.property(scenario, ({ ids, ops, cuts }) => {
        const log = authoredHistory(ids, ops);
        const expected = replay(log.map(({ update }) => update));
        const groups = groupsOf(log, cuts);
        for (let author = 0; author < ids.length; author++) {
          // An author has its own changes as it makes them, and each turn's
          // other changes as one join, as the broadcast sends them.
          const receiver = new Y.Doc();
          for (const group of groups) {
            const others: Uint8Array[] = [];
            for (const entry of group) {
              if (entry.author === author) Y.applyUpdate(receiver, entry.update);
              else others.push(entry.update);
            }
            if (others.length > 0) {
              const joined = join(others);
              expectYjsForm(joined);
              Y.applyUpdate(receiver, joined);
            }
          }
          expectSame(receiver, expected);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('toCanonicalUpdate leaves a Yjs-written update as it is', () => {
    fc.assert(
      fc.property(scenario, ({ ids, ops }) => {
        for (const update of history(ids, ops)) {
          const result = toCanonicalUpdate(update);
          expect(result.rewritten).toBe(false);
          expect(result.update).toBe(update);
        }
      }),
      { numRuns: 50 },
    );
  });
});
