import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createTempDir, killServerProcesses, removeTempDirs } from '@quire/test-utils';
import {
  describeInBrowser,
  documentHtml,
  documentUrl,
  launchBrowser,
  newUserContext,
  openDocument,
  startDemoServer,
  typeAtEnd,
  waitForState,
  waitForText,
} from './browser-harness.ts';

describeInBrowser('a server restart while two people edit', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await killServerProcesses();
    await removeTempDirs();
  });

  it('loses no text, and the badges go from offline back to saved', async () => {
    const dataDir = await createTempDir();
    let server = await startDemoServer(dataDir);
    const url = documentUrl(server, 'restart/notes');
    const adaContext = await newUserContext(browser, { name: 'Ada', color: '#e11d48' });
    const graceContext = await newUserContext(browser, { name: 'Grace', color: '#0284c7' });
    const ada = await openDocument(adaContext, url);
    const grace = await openDocument(graceContext, url);
    await typeAtEnd(ada, 'Ada before. ');
    await waitForText(grace, 'Ada before.');
    await typeAtEnd(grace, 'Grace before. ');
    await waitForText(ada, 'Grace before.');

    // Both keep typing while the server stops; the stop itself is graceful (SIGTERM → 1001).
    // Ada at the start and Grace at the end, so neither types into the other's words.
    await ada.keyboard.press('Control+Home');
    await grace.keyboard.press('Control+End');
    const port = server.port;
    await Promise.all([
      ada.keyboard.type('Ada during. ', { delay: 15 }),
      grace.keyboard.type('Grace during. ', { delay: 15 }),
      server.stop('SIGTERM'),
    ]);
    await waitForState(ada, 'connection', 'offline');
    await waitForState(grace, 'connection', 'offline');
    // Still apart: what each saw of the other's last words differs, and text typed right
    // after a half-received word would merge into it (correctly, but unreadably).
    await ada.keyboard.press('Control+Home');
    await ada.keyboard.type('Ada while down. ');
    await typeAtEnd(grace, 'Grace while down. ');
    await waitForState(ada, 'save', 'unsaved');
    await waitForState(grace, 'save', 'unsaved');

    server = await startDemoServer(dataDir, port);
    for (const page of [ada, grace]) {
      await waitForState(page, 'connection', 'connected');
      await waitForState(page, 'save', 'saved');
    }
    const everything = ['Ada before.', 'Grace before.', 'Ada during.', 'Grace during.', 'Ada while down.', 'Grace while down.'];
    const text = (page: Page) => page.evaluate(() => window.quire?.editor.getText() ?? '');
    for (const page of [ada, grace]) {
      const missing = async () => {
        const content = await text(page);
        return everything.filter((part) => !content.includes(part));
      };
      await expect
        .poll(missing, { timeout: 20_000, message: `when the wait began: ada «${await text(ada)}», grace «${await text(grace)}»` })
        .toEqual([]);
    }
    expect(await documentHtml(ada)).toBe(await documentHtml(grace));

    // What was acknowledged is on disk: a third person after another restart sees all of it.
    const before = await documentHtml(ada);
    await adaContext.close();
    await graceContext.close();
    await server.stop('SIGTERM');
    server = await startDemoServer(dataDir, port);
    const lateContext = await newUserContext(browser, { name: 'Lin', color: '#16a34a' });
    const late = await openDocument(lateContext, url);
    await waitForText(late, 'Grace while down.');
    expect(await documentHtml(late)).toBe(before);
    await lateContext.close();
    await server.stop('SIGTERM');
  });
});
