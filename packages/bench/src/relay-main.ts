import { startRelay } from './relay-server.ts';

// Entry point of the relay process: `PORT=… node relay-main.js`.
const close = await startRelay(Number(process.env['PORT']));
process.once('SIGTERM', () => {
  void close().then(() => process.exit(0));
});
