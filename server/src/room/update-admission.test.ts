import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CLOSE_BAD_MESSAGE, CLOSE_POLICY_VIOLATION } from '@quire/protocol';
import { resolveUpdateLimits } from '@quire/yjs-update';
import { ClientOwnership, type UpdateMessageKind } from '../ownership/client-ownership.ts';
import { ServerError } from '../server-error.ts';
import { ClientReplica } from '../../test/helpers/room-kit.ts';
import { admitServerUpdate, admitUpdate, type Admission, type AdmissionContext, type AdmissionSender } from './update-admission.ts';

/** A room's document and owner table, as the admission reads them. */
function roomContext(options: { maxDocumentBytes?: number; maxClockGaps?: number } = {}): AdmissionContext & { doc: Y.Doc } {
  const doc = new Y.Doc();
  return {
    doc,
    limits: resolveUpdateLimits(),
    ownership: new ClientOwnership(),
    clockOf: (clientId) => Y.getState(doc.store, clientId),
    maxClockGaps: options.maxClockGaps ?? 8,
    maxDocumentBytes: options.maxDocumentBytes ?? 64 * 1024 * 1024,
    documentBytes: () => Y.encodeStateAsUpdate(doc).byteLength,
    integratedDocument: () => doc,
  };
}

const WRITER = { connectionId: 1 };
const WRITE: AdmissionSender = { access: 'write', clockGaps: 0 };

function admit(
  context: AdmissionContext,
  update: Uint8Array,
  options: { sender?: AdmissionSender; kind?: UpdateMessageKind } = {},
): Admission {
  return admitUpdate(context, options.sender ?? WRITE, WRITER, options.kind ?? 'sync-update', update);
}

describe('admitUpdate', () => {
  it('new-structs: a client’s own edit from the document’s clock, as sent', () => {
    const context = roomContext();
    const update = new ClientReplica().type('hello');
    const admission = admit(context, update);
    expect(admission.kind).toBe('new-structs');
    if (admission.kind !== 'new-structs') return;
    expect(admission.update).toBe(update);
    expect(admission.verdict.claims).toHaveLength(1);
  });

  it('nothing-new: an empty step 2, the join of a client with nothing new', () => {
    const context = roomContext();
    const admission = admit(context, Y.encodeStateAsUpdate(new Y.Doc()), { kind: 'sync-step-2' });
    expect(admission.kind).toBe('nothing-new');
  });

  it('apply: anything else, such as a deletion of what the document holds', () => {
    const context = roomContext();
    const client = new ClientReplica();
    Y.applyUpdate(context.doc, client.type('hello'));
    const admission = admit(context, client.edit((doc) => doc.getText('t').delete(0, 2)));
    expect(admission.kind).toBe('apply');
  });

  it('apply: a step 2 that repeats structs the document holds along with new ones', () => {
    const context = roomContext();
    const client = new ClientReplica();
    Y.applyUpdate(context.doc, client.type('a'));
    client.type('b');
    const admission = admit(context, Y.encodeStateAsUpdate(client.doc), { kind: 'sync-step-2' });
    expect(admission.kind).toBe('apply');
  });

  it('malformed: bytes that are no Yjs update, 1007', () => {
    const admission = admit(roomContext(), new Uint8Array([1, 200, 200, 200]));
    expect(admission.kind).toBe('malformed');
    if (admission.kind !== 'malformed') return;
    expect(admission.error.closeCode).toBe(CLOSE_BAD_MESSAGE);
  });

  it('resync: an edit that builds on one the document lacks; too-many-gaps once the gaps run out', () => {
    const context = roomContext({ maxClockGaps: 2 });
    const client = new ClientReplica();
    client.type('lost');
    const later = client.type(' later');
    expect(admit(context, later, { sender: { access: 'write', clockGaps: 1 } }).kind).toBe('resync');
    const refused = admit(context, later, { sender: { access: 'write', clockGaps: 2 } });
    expect(refused.kind).toBe('too-many-gaps');
    if (refused.kind !== 'too-many-gaps') return;
    expect(refused.error).toMatchObject({ code: 'ERR_UPDATE_CLOCK_GAP', closeCode: CLOSE_POLICY_VIOLATION });
  });

  it('refused-foreign: an edit under a client ID another live connection owns', () => {
    const context = roomContext();
    const client = new ClientReplica();
    context.ownership.claim(client.doc.clientID, { connectionId: 2 });
    const admission = admit(context, client.type('mine'));
    expect(admission.kind).toBe('refused-foreign');
    if (admission.kind !== 'refused-foreign') return;
    expect(admission.verdict.owner).toEqual({ connectionId: 2 });
  });

  it('read-only: new structs or new deletions from a connection without write access', () => {
    const context = roomContext();
    const client = new ClientReplica();
    const reader: AdmissionSender = { access: 'read', clockGaps: 0 };
    expect(admit(context, client.type('x'), { sender: reader }).kind).toBe('read-only');
    const owner = new ClientReplica();
    Y.applyUpdate(context.doc, owner.type('kept'));
    Y.applyUpdate(client.doc, Y.encodeStateAsUpdate(context.doc));
    // The client's text is 'xkept' or 'keptx' as the random client IDs sort:
    // delete a character of the owner's 'kept', never the client's own unsent
    // 'x' (a deletion of content the room lacks is a resync, not a write).
    const deleteKept = client.edit((doc) => doc.getText('t').delete(doc.getText('t').toString().indexOf('kept'), 1));
    expect(admit(context, deleteKept, { sender: reader }).kind).toBe('read-only');
    // Nothing new from a reader is no write: its join goes through.
    expect(admit(context, Y.encodeStateAsUpdate(new Y.Doc()), { sender: reader, kind: 'sync-step-2' }).kind).toBe('nothing-new');
  });

  it('too-big: an edit that would grow the document past its limit, 1008', () => {
    const context = roomContext({ maxDocumentBytes: 2048 });
    const admission = admit(context, new ClientReplica().type('y'.repeat(4096)));
    expect(admission.kind).toBe('too-big');
    if (admission.kind !== 'too-big') return;
    expect(admission.error).toMatchObject({ code: 'ERR_DOCUMENT_TOO_BIG', closeCode: CLOSE_POLICY_VIOLATION });
  });

  it('changes nothing: the document and the owner table are as before whatever it answers', () => {
    const context = roomContext();
    const client = new ClientReplica();
    admit(context, client.type('one'));
    admit(context, new Uint8Array([9, 9, 9]));
    expect(context.doc.getText('t').toString()).toBe('');
    expect(context.ownership.size).toBe(0);
  });
});

describe('admitServerUpdate', () => {
  it('lets an update through whoever owns its client IDs', () => {
    const context = roomContext();
    const client = new ClientReplica();
    context.ownership.claim(client.doc.clientID, { connectionId: 2 });
    const update = client.type('from the server');
    expect(admitServerUpdate(context.limits, context.clockOf, update)).toBe(update);
  });

  it('refuses a malformed update and one that builds on content the document lacks', () => {
    const context = roomContext();
    expect(admitServerUpdate(context.limits, context.clockOf, new Uint8Array([1, 200, 200]))).toBeInstanceOf(ServerError);
    const client = new ClientReplica();
    client.type('lost');
    const gap = admitServerUpdate(context.limits, context.clockOf, client.type(' later'));
    expect(gap).toMatchObject({ code: 'ERR_UPDATE_CLOCK_GAP' });
  });
});
