/** A decoded wire message. The `type` tag is what dispatch switches on. */
export type Message =
  | { readonly type: 'sync-step-1'; readonly stateVector: Uint8Array }
  | { readonly type: 'sync-step-2'; readonly update: Uint8Array }
  | { readonly type: 'sync-update'; readonly update: Uint8Array }
  | { readonly type: 'awareness'; readonly update: Uint8Array }
  | { readonly type: 'permission-denied'; readonly reason: string }
  | { readonly type: 'query-awareness' }
  | { readonly type: 'saved'; readonly count: number }
  | { readonly type: 'stateless'; readonly payload: string }
  | { readonly type: 'ping'; readonly id: number }
  | { readonly type: 'pong'; readonly id: number }
  | { readonly type: 'error'; readonly code: number; readonly reason: string }
  | { readonly type: 'auth-token'; readonly token: string }
  /** A type this version does not know; kept so receivers can ignore it (forward compatibility). */
  | { readonly type: 'unknown'; readonly messageType: number };

export type MessageType = Message['type'];
