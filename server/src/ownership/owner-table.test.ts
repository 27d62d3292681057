import { describe, expect, it } from 'vitest';
import { OwnerTable } from './owner-table.ts';

interface Owner {
  readonly connectionId: number;
  readonly name: string;
}

const table = (): OwnerTable<Owner> => new OwnerTable<Owner>((owner) => owner.connectionId);
const alice: Owner = { connectionId: 1, name: 'alice' };
const bob: Owner = { connectionId: 2, name: 'bob' };

describe('OwnerTable', () => {
  it('answers for nobody before the first assignment', () => {
    const owners = table();
    expect(owners.size).toBe(0);
    expect(owners.ownerOf(7)).toBeUndefined();
    expect([...owners.clientsOf(1)]).toEqual([]);
    expect(owners.countOf(1)).toBe(0);
    expect(owners.releaseConnection(1)).toEqual([]);
  });

  it('keeps both directions: client ID to owner, connection to client IDs', () => {
    const owners = table();
    owners.assign(10, alice);
    owners.assign(11, alice);
    owners.assign(20, bob);
    expect(owners.size).toBe(3);
    expect(owners.ownerOf(11)).toBe(alice);
    expect(owners.ownerOf(20)).toBe(bob);
    expect([...owners.clientsOf(1)]).toEqual([10, 11]);
    expect(owners.countOf(2)).toBe(1);
  });

  it('moves a reassigned client ID out of its previous owner’s set', () => {
    const owners = table();
    owners.assign(10, alice);
    owners.assign(10, bob);
    expect(owners.ownerOf(10)).toBe(bob);
    expect(owners.countOf(1)).toBe(0);
    expect([...owners.clientsOf(2)]).toEqual([10]);
    // Alice closing later must not take Bob's ID with her.
    expect(owners.releaseConnection(1)).toEqual([]);
    expect(owners.ownerOf(10)).toBe(bob);
  });

  it('unassigns one client ID from both directions', () => {
    const owners = table();
    owners.assign(10, alice);
    owners.assign(11, alice);
    owners.unassign(10);
    owners.unassign(99);
    expect(owners.ownerOf(10)).toBeUndefined();
    expect([...owners.clientsOf(1)]).toEqual([11]);
    expect(owners.size).toBe(1);
  });

  it('releases every client ID of a closing connection and leaves the others', () => {
    const owners = table();
    owners.assign(10, alice);
    owners.assign(11, alice);
    owners.assign(20, bob);
    expect(owners.releaseConnection(1).sort()).toEqual([10, 11]);
    expect(owners.ownerOf(10)).toBeUndefined();
    expect(owners.ownerOf(11)).toBeUndefined();
    expect(owners.countOf(1)).toBe(0);
    expect(owners.ownerOf(20)).toBe(bob);
    expect(owners.size).toBe(1);
    expect(owners.releaseConnection(1)).toEqual([]);
  });
});
