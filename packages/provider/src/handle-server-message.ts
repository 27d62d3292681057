import * as Y from 'yjs';
import { applyAwarenessUpdate, encodeAwarenessUpdate, type Awareness } from 'y-protocols/awareness';
import { encodeAwareness, encodePong, encodeSyncStep2, unexpectedCase, type Message } from '@quire/protocol';
import type { ServerErrorInfo } from './provider-events.ts';

/** What handling one server message may read and do; the provider supplies it. */
export interface ServerMessageContext {
  readonly doc: Y.Doc;
  readonly awareness: Awareness;
  /** The transaction origin of everything applied from the server, so it is not sent back. */
  readonly origin: object;
  /** Whether the connection negotiated quire.v1; extension messages are ignored otherwise. */
  readonly extensions: boolean;
  send(message: Uint8Array): boolean;
  step2Sent(): void;
  synced(): void;
  /** The server proved it speaks quire.v1 (a pong or a saved arrived). */
  extensionsConfirmed(): void;
  acknowledged(count: number): void;
  stateless(payload: string): void;
  serverError(error: ServerErrorInfo): void;
  permissionDenied(reason: string): void;
}

type ExtensionMessage = Extract<Message, { type: 'saved' | 'pong' | 'ping' | 'stateless' | 'error' }>;

function handleExtension(context: ServerMessageContext, message: ExtensionMessage): void {
  switch (message.type) {
    case 'saved':
      context.extensionsConfirmed();
      context.acknowledged(message.count);
      return;
    case 'pong':
      context.extensionsConfirmed();
      return;
    case 'ping':
      context.send(encodePong(message.id));
      return;
    case 'stateless':
      context.stateless(message.payload);
      return;
    case 'error':
      context.serverError({ code: message.code, reason: message.reason });
      return;
    default:
      unexpectedCase(message);
  }
}

/**
 * Reacts to one decoded server message as a y-websocket client does (the
 * `messageHandlers` table of the stock provider), plus the quire.v1
 * extensions. Throws when the server's payload cannot be applied; the
 * provider then replaces the connection.
 */
export function handleServerMessage(context: ServerMessageContext, message: Message): void {
  switch (message.type) {
    case 'sync-step-1': {
      const update = Y.encodeStateAsUpdate(context.doc, message.stateVector);
      if (context.send(encodeSyncStep2(update))) context.step2Sent();
      return;
    }
    case 'sync-step-2':
      Y.applyUpdate(context.doc, message.update, context.origin);
      context.synced();
      return;
    case 'sync-update':
      Y.applyUpdate(context.doc, message.update, context.origin);
      return;
    case 'awareness':
      applyAwarenessUpdate(context.awareness, message.update, context.origin);
      return;
    case 'query-awareness': {
      const clients = [...context.awareness.getStates().keys()];
      context.send(encodeAwareness(encodeAwarenessUpdate(context.awareness, clients)));
      return;
    }
    case 'permission-denied':
      context.permissionDenied(message.reason);
      return;
    case 'saved':
    case 'pong':
    case 'ping':
    case 'stateless':
    case 'error':
      // A server that did not negotiate quire.v1 has no business sending these.
      if (context.extensions) handleExtension(context, message);
      return;
    case 'auth-token':
    case 'unknown':
      // Client-to-server or future types: ignored, for forward compatibility.
      return;
    default:
      unexpectedCase(message);
  }
}
