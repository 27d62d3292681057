import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import type { WebSocket } from 'ws';
import { startScriptedServer, type ScriptedServer } from './scripted-server.ts';

interface StockRoom {
  readonly doc: Y.Doc;
  readonly awareness: awarenessProtocol.Awareness;
  readonly sockets: Set<WebSocket>;
}

/**
 * A y-websocket-compatible server with no Quire extensions, written the way
 * the reference server (`@y/websocket-server` utils) is: y-protocols reads
 * each message and writes the reply, updates are broadcast, nothing is stored.
 * It knows no message type above 3, as any third-party server.
 */
export async function startStockServer(): Promise<ScriptedServer & { readonly rooms: Map<string, StockRoom> }> {
  const rooms = new Map<string, StockRoom>();
  const roomFor = (name: string): StockRoom => {
    let room = rooms.get(name);
    if (room !== undefined) return room;
    const doc = new Y.Doc();
    const awareness = new awarenessProtocol.Awareness(doc);
    awareness.setLocalState(null);
    const sockets = new Set<WebSocket>();
    const broadcast = (message: Uint8Array): void => {
      for (const socket of sockets) socket.send(message);
    };
    doc.on('update', (update: Uint8Array) => {
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, 0);
      syncProtocol.writeUpdate(encoder, update);
      broadcast(encoding.toUint8Array(encoder));
    });
    type Changes = { added: number[]; updated: number[]; removed: number[] };
    awareness.on('update', ({ added, updated, removed }: Changes) => {
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, 1);
      const clients = [...added, ...updated, ...removed];
      encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(awareness, clients));
      broadcast(encoding.toUint8Array(encoder));
    });
    room = { doc, awareness, sockets };
    rooms.set(name, room);
    return room;
  };

  const server = await startScriptedServer((socket, path) => {
    const room = roomFor(decodeURIComponent(path.slice(1)));
    room.sockets.add(socket);
    socket.binaryType = 'nodebuffer';
    socket.on('message', (data: Buffer) => {
      const decoder = decoding.createDecoder(new Uint8Array(data));
      const encoder = encoding.createEncoder();
      const type = decoding.readVarUint(decoder);
      if (type === 0) {
        encoding.writeVarUint(encoder, 0);
        syncProtocol.readSyncMessage(decoder, encoder, room.doc, socket);
        if (encoding.length(encoder) > 1) socket.send(encoding.toUint8Array(encoder));
      } else if (type === 1) {
        awarenessProtocol.applyAwarenessUpdate(room.awareness, decoding.readVarUint8Array(decoder), socket);
      }
    });
    socket.on('close', () => room.sockets.delete(socket));
    const step1 = encoding.createEncoder();
    encoding.writeVarUint(step1, 0);
    syncProtocol.writeSyncStep1(step1, room.doc);
    socket.send(encoding.toUint8Array(step1));
  }, {
    onClose: () => {
      for (const room of rooms.values()) {
        room.awareness.destroy();
        room.doc.destroy();
      }
    },
  });
  return { ...server, rooms };
}
