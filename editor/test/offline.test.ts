import { expect, it } from 'vitest';
import {
  describeInBrowser,
  documentHtml,
  documentUrl,
  newUserContext,
  openDocument,
  typeAtEnd,
  useDemoServerAndBrowser,
  waitForState,
  waitForText,
} from './browser-harness.ts';

describeInBrowser('offline editing in a real browser', () => {
  const session = useDemoServerAndBrowser();

  it('keeps edits made offline through a reload and merges them when back online', async () => {
    const { server, browser } = session;
    const url = documentUrl(server, 'offline/notes');
    const adaContext = await newUserContext(browser, { name: 'Ada', color: '#e11d48' });
    const graceContext = await newUserContext(browser, { name: 'Grace', color: '#0284c7' });
    const ada = await openDocument(adaContext, url);
    const grace = await openDocument(graceContext, url);
    await typeAtEnd(ada, 'Written online. ');
    await waitForText(grace, 'Written online.');
    // The app shell must be cached before the network goes, or the reload has nothing to show.
    await ada.waitForSelector('html[data-offline-ready="true"]', { timeout: 20_000 });

    await adaContext.setOffline(true);
    await waitForState(ada, 'connection', 'offline');
    await typeAtEnd(ada, 'Written offline.');
    await waitForState(ada, 'save', 'unsaved');
    await typeAtEnd(grace, ' Grace meanwhile.');
    // Written to IndexedDB before the page goes away.
    await ada.evaluate(() => window.quire?.offlineCopy?.flush());

    await ada.reload();
    await waitForText(ada, 'Written offline.');
    await waitForState(ada, 'connection', 'offline');
    expect(await grace.evaluate(() => document.querySelector('.ProseMirror')?.textContent)).not.toContain('Written offline.');

    await adaContext.setOffline(false);
    await waitForText(grace, 'Written offline.');
    await waitForText(ada, 'Grace meanwhile.');
    await waitForState(ada, 'save', 'saved');
    await waitForState(grace, 'save', 'saved');
    expect(await documentHtml(ada)).toBe(await documentHtml(grace));
    await adaContext.close();
    await graceContext.close();
  });
});
