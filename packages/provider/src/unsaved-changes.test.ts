import { describe, expect, it } from 'vitest';
import { UnsavedChanges } from './unsaved-changes.ts';

describe('UnsavedChanges', () => {
  it('settles an update once the message carrying it is acknowledged', () => {
    const unsaved = new UnsavedChanges();
    unsaved.startConnection(true);
    unsaved.step2Sent(); // message 1, nothing unsaved yet
    const first = unsaved.addLocalUpdate();
    unsaved.updateSent(first); // message 2
    const second = unsaved.addLocalUpdate();
    unsaved.updateSent(second); // message 3
    expect(unsaved.count).toBe(2);
    expect(unsaved.acknowledge(1)).toBe(false);
    expect(unsaved.count).toBe(2);
    expect(unsaved.acknowledge(2)).toBe(true);
    expect(unsaved.count).toBe(1);
    expect(unsaved.acknowledge(3)).toBe(true);
    expect(unsaved.count).toBe(0);
  });

  it('lets one acknowledgement cover several messages (group commit skips values)', () => {
    const unsaved = new UnsavedChanges();
    unsaved.startConnection(true);
    for (let index = 0; index < 5; index++) unsaved.updateSent(unsaved.addLocalUpdate());
    expect(unsaved.acknowledge(5)).toBe(true);
    expect(unsaved.count).toBe(0);
  });

  it('carries offline updates in the step 2 of the next connection', () => {
    const unsaved = new UnsavedChanges();
    unsaved.addLocalUpdate();
    unsaved.addLocalUpdate();
    unsaved.startConnection(true);
    const online = unsaved.addLocalUpdate();
    unsaved.updateSent(online); // message 1: sent before the server's step 1 arrived
    unsaved.step2Sent(); // message 2: carries all three
    expect(unsaved.acknowledge(1)).toBe(true);
    expect(unsaved.count).toBe(2);
    expect(unsaved.acknowledge(2)).toBe(true);
    expect(unsaved.count).toBe(0);
  });

  it('never settles on an acknowledgement meant for an earlier connection', () => {
    const unsaved = new UnsavedChanges();
    unsaved.startConnection(true);
    unsaved.step2Sent();
    unsaved.updateSent(unsaved.addLocalUpdate()); // message 2 on the first connection, never acknowledged
    unsaved.startConnection(true);
    // Message numbers restart; before the new step 2 nothing on this connection carries the update.
    expect(unsaved.acknowledge(2)).toBe(false);
    expect(unsaved.count).toBe(1);
    unsaved.step2Sent(); // message 1 on the new connection
    expect(unsaved.acknowledge(1)).toBe(true);
    expect(unsaved.count).toBe(0);
  });

  it('tracks nothing per message on a connection without acknowledgements', () => {
    const unsaved = new UnsavedChanges();
    unsaved.startConnection(false);
    unsaved.updateSent(unsaved.addLocalUpdate());
    unsaved.step2Sent();
    expect(unsaved.acknowledge(2)).toBe(false);
    expect(unsaved.count).toBe(1);
  });

  it('keeps counting messages that carried nothing, as the server does', () => {
    const unsaved = new UnsavedChanges();
    unsaved.startConnection(true);
    unsaved.step2Sent(); // 1
    unsaved.step2Sent(); // 2: a second step 1 from the server
    const id = unsaved.addLocalUpdate();
    unsaved.updateSent(id); // 3
    expect(unsaved.acknowledge(2)).toBe(false);
    expect(unsaved.acknowledge(3)).toBe(true);
  });
});
