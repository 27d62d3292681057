/**
 * Which local updates the server has not yet confirmed as durably stored.
 *
 * The server numbers the sync step 2 and update messages it receives on a
 * connection 1, 2, 3, … and `saved(n)` says messages 1…n are stored. This
 * class numbers the messages it is told about the same way, remembers which
 * local updates each one carried, and settles those updates when an
 * acknowledgement covers the message. A step 2 carries every update still
 * unsaved: it holds everything the server's state vector lacks, and whatever
 * the server already had becomes durable no later than the step 2 itself,
 * because the server acknowledges in storage order.
 */
export class UnsavedChanges {
  private nextUpdateId = 1;
  private readonly unsaved = new Set<number>();
  /** Message number → local updates it carried; numbers ascend in insertion order. */
  private readonly carried = new Map<number, readonly number[]>();
  private messagesSent = 0;
  private acknowledging = false;

  /** Local updates not yet acknowledged as stored. */
  get count(): number {
    return this.unsaved.size;
  }

  /** Records a local update and returns the id to report when a message carries it. */
  addLocalUpdate(): number {
    const id = this.nextUpdateId++;
    this.unsaved.add(id);
    return id;
  }

  /**
   * A new connection opened. Numbering restarts at 1, and nothing the old
   * connection carried can be acknowledged any more. Without acknowledgements
   * (a server without quire.v1) nothing is remembered per message.
   */
  startConnection(acknowledging: boolean): void {
    this.messagesSent = 0;
    this.carried.clear();
    this.acknowledging = acknowledging;
  }

  /** An update message carrying local update `id` went out. */
  updateSent(id: number): void {
    const number = ++this.messagesSent;
    if (this.acknowledging && this.unsaved.has(id)) this.carried.set(number, [id]);
  }

  /** A sync step 2 went out; it carries every update still unsaved. */
  step2Sent(): void {
    const number = ++this.messagesSent;
    if (this.acknowledging && this.unsaved.size > 0) this.carried.set(number, [...this.unsaved]);
  }

  /** Applies `saved(count)`; returns whether the unsaved count went down. */
  acknowledge(count: number): boolean {
    const before = this.unsaved.size;
    for (const [number, ids] of this.carried) {
      if (number > count) break;
      this.carried.delete(number);
      for (const id of ids) this.unsaved.delete(id);
    }
    return this.unsaved.size !== before;
  }
}
