import { describe, expect, it } from 'vitest';
import { CLOSE_POLICY_VIOLATION, CLOSE_TRY_AGAIN_LATER } from '@quire/protocol';
import { closeCodeForError, errorCodeOf } from '../server-error.ts';
import type { Writer } from './client-ownership.ts';
import { foreignClientRefusal, type ForeignClientVerdict, type ProbeableConnection } from './foreign-client-refusal.ts';

function verdictFor(owner: Writer): ForeignClientVerdict {
  return {
    code: 'ERR_UPDATE_FOREIGN_CLIENT',
    clientId: 42,
    owner,
    detail: `connection 2 wrote client 42, owned by connection ${owner.connectionId}`,
  };
}

/** Connections of a room that remember whether they were probed. */
function room(...ids: number[]): { connections: ProbeableConnection[]; probed: number[] } {
  const probed: number[] = [];
  const connections = ids.map((id) => ({ id, probeLiveness: () => probed.push(id) }));
  return { connections, probed };
}

describe('foreignClientRefusal', () => {
  it('turns an anonymous writer away for now (1013) and probes the owner, which may be its stale socket', () => {
    const { connections, probed } = room(1, 2, 3);
    const error = foreignClientRefusal(verdictFor({ connectionId: 1 }), { connectionId: 2 }, connections);
    expect(closeCodeForError(error)).toBe(CLOSE_TRY_AGAIN_LATER);
    expect(errorCodeOf(error)).toBe('ERR_CLIENT_ID_IN_USE');
    expect(probed).toEqual([1]);
  });

  it('refuses another principal for good (1008) and leaves the owner alone', () => {
    const { connections, probed } = room(1, 2);
    for (const [owner, writer] of [
      [{ connectionId: 1, principal: 'alice' }, { connectionId: 2, principal: 'mallory' }],
      [{ connectionId: 1, principal: 'alice' }, { connectionId: 2 }],
      [{ connectionId: 1 }, { connectionId: 2, principal: 'mallory' }],
    ] satisfies [Writer, Writer][]) {
      const error = foreignClientRefusal(verdictFor(owner), writer, connections);
      expect(closeCodeForError(error)).toBe(CLOSE_POLICY_VIOLATION);
      expect(errorCodeOf(error)).toBe('ERR_UPDATE_FOREIGN_CLIENT');
    }
    expect(probed).toEqual([]);
  });

  it('still turns the writer away when the owner is no longer among the connections', () => {
    const { connections, probed } = room(2);
    const error = foreignClientRefusal(verdictFor({ connectionId: 1 }), { connectionId: 2 }, connections);
    expect(closeCodeForError(error)).toBe(CLOSE_TRY_AGAIN_LATER);
    expect(probed).toEqual([]);
  });
});
