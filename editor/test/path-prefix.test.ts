import { expect, it } from 'vitest';
import {
  describeInBrowser,
  documentUrl,
  newUserContext,
  openDocument,
  typeAtEnd,
  useDemoServerAndBrowser,
  waitForText,
} from './browser-harness.ts';

describeInBrowser('the demo behind a path prefix', () => {
  const session = useDemoServerAndBrowser(['--path-prefix', '/sync']);

  it('opens its documents under the prefix the server was started with', async () => {
    const { server, browser } = session;
    const url = documentUrl(server, 'behind/prefix');
    const adaContext = await newUserContext(browser, { name: 'Ada', color: '#e11d48' });
    const graceContext = await newUserContext(browser, { name: 'Grace', color: '#0284c7' });
    try {
      const sockets: string[] = [];
      const ada = await adaContext.newPage();
      ada.on('websocket', (socket) => sockets.push(socket.url()));
      await ada.goto(url);
      await ada.waitForSelector('[data-testid="connection"][data-state="connected"]', { timeout: 20_000 });
      expect(sockets.map((socket) => new URL(socket).pathname)).toEqual(['/sync/behind/prefix']);

      const grace = await openDocument(graceContext, url);
      await typeAtEnd(ada, 'under a prefix');
      await waitForText(grace, 'under a prefix');
    } finally {
      await Promise.all([adaContext.close(), graceContext.close()]);
    }
  });
});
