import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ServerEventEmitter } from './event-emitter.ts';

function capturingLogger() {
  const lines: { level: number; msg: string; event?: string; err?: { message: string } }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as { level: number; msg: string });
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('ServerEventEmitter', () => {
  it('delivers after the emitting code, in the order emitted', async () => {
    const emitter = new ServerEventEmitter(capturingLogger().logger);
    const seen: string[] = [];
    emitter.on('documentLoaded', (event) => void seen.push(`loaded ${event.documentName}`));
    emitter.on('documentStored', (event) => void seen.push(`stored ${event.documentName}`));
    emitter.emit('documentLoaded', { documentName: 'a' });
    emitter.emit('documentStored', { documentName: 'a' });
    emitter.emit('documentLoaded', { documentName: 'b' });
    expect(seen).toEqual([]);
    await settle();
    expect(seen).toEqual(['loaded a', 'stored a', 'loaded b']);
  });

  it('logs what a listener throws or rejects with, and still calls the others', async () => {
    const { logger, lines } = capturingLogger();
    const emitter = new ServerEventEmitter(logger);
    const seen: string[] = [];
    emitter.on('documentLoaded', () => {
      throw new Error('sync failure');
    });
    emitter.on('documentLoaded', () => Promise.reject(new Error('async failure')));
    emitter.on('documentLoaded', (event) => void seen.push(event.documentName));
    emitter.emit('documentLoaded', { documentName: 'doc' });
    await settle();
    expect(seen).toEqual(['doc']);
    expect(lines.map((line) => [line.level, line.msg, line.event, line.err?.message])).toEqual([
      [50, 'server event listener failed', 'documentLoaded', 'sync failure'],
      [50, 'server event listener failed', 'documentLoaded', 'async failure'],
    ]);
  });

  it('stops calling a listener after off, and skips events no one listens to', async () => {
    const emitter = new ServerEventEmitter(capturingLogger().logger);
    const seen: string[] = [];
    const listener = (event: { documentName: string }): void => void seen.push(event.documentName);
    expect(emitter.has('documentLoaded')).toBe(false);
    emitter.on('documentLoaded', listener);
    expect(emitter.has('documentLoaded')).toBe(true);
    emitter.emit('documentLoaded', { documentName: 'one' });
    await settle();
    emitter.off('documentLoaded', listener);
    expect(emitter.has('documentLoaded')).toBe(false);
    emitter.emit('documentLoaded', { documentName: 'two' });
    await settle();
    expect(seen).toEqual(['one']);
  });

  it('delivers what is queued at once on drain, events emitted by listeners included', () => {
    const emitter = new ServerEventEmitter(capturingLogger().logger);
    const seen: string[] = [];
    emitter.on('documentChanged', (event) => {
      seen.push(`changed ${event.documentName}`);
      emitter.emit('documentStored', { documentName: event.documentName });
    });
    emitter.on('documentStored', (event) => void seen.push(`stored ${event.documentName}`));
    emitter.emit('documentChanged', { documentName: 'doc', changedBy: [{ server: true }] });
    emitter.drain();
    expect(seen).toEqual(['changed doc', 'stored doc']);
  });

  it('refuses a listener that is not a function', () => {
    const emitter = new ServerEventEmitter(capturingLogger().logger);
    expect(() => emitter.on('documentLoaded', 'nope' as unknown as () => void)).toThrow(TypeError);
  });
});
