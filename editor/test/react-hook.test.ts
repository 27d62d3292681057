import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page, WebSocket } from 'playwright-core';
import { createTempDir, killServerProcesses, removeTempDirs, startServerProcess, type ServerProcess } from '@quire/test-utils';
import { describeInBrowser, launchBrowser, typeAtEnd, waitForState, waitForText } from './browser-harness.ts';
import { buildReactApp } from './react-app-build.ts';

declare global {
  interface Window {
    /** Every value an observed attribute took, in order (see `recordAttribute`). */
    observedValues?: string[];
  }
}

/** Open WebSockets, as the server's /metrics reports them. */
async function serverConnections(server: ServerProcess): Promise<number> {
  const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
  const match = /^quire_connections (\d+)$/mu.exec(text);
  if (match === null) throw new Error('/metrics has no quire_connections');
  return Number(match[1]);
}

/**
 * Waits for the server to count `expected` connections, then checks that the
 * count holds: a leaked provider would still be opening its socket.
 */
async function expectConnectionsToSettleAt(server: ServerProcess, expected: number): Promise<void> {
  await expect.poll(() => serverConnections(server), { timeout: 10_000 }).toBe(expected);
  for (let sample = 0; sample < 5; sample += 1) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await serverConnections(server)).toBe(expected);
  }
}

/** Records every value `attribute` of the element at `selector` takes from now on. */
async function recordAttribute(page: Page, selector: string, attribute: string): Promise<() => Promise<string[]>> {
  await page.evaluate(
    ([target, name]) => {
      const element = document.querySelector(target);
      if (element === null) throw new Error(`no ${target}`);
      const values: string[] = [];
      window.observedValues = values;
      new MutationObserver(() => values.push(element.getAttribute(name) ?? '')).observe(element, {
        attributes: true,
        attributeFilter: [name],
      });
    },
    [selector, attribute] as const,
  );
  return () => page.evaluate(() => window.observedValues ?? []);
}

interface AppPage {
  readonly page: Page;
  /** Every WebSocket the page opened. */
  readonly sockets: WebSocket[];
}

describeInBrowser(
  '@quire/editor/react in a React app in StrictMode',
  () => {
    const session = {} as { server: ServerProcess; browser: Browser };
    const contexts: BrowserContext[] = [];

    beforeAll(async () => {
      const appDir = await createTempDir('quire-react-app-');
      await buildReactApp(appDir);
      session.server = await startServerProcess({ dataDir: await createTempDir(), args: ['--static-dir', appDir] });
      session.browser = await launchBrowser();
    });
    afterEach(async () => {
      await Promise.all(contexts.splice(0).map((context) => context.close()));
    });
    afterAll(async () => {
      await session.browser?.close();
      await killServerProcesses();
      await removeTempDirs();
    });

    async function openApp(query: Record<string, string>): Promise<AppPage> {
      const context = await session.browser.newContext({ viewport: { width: 900, height: 640 } });
      contexts.push(context);
      const page = await context.newPage();
      page.on('pageerror', (error) => process.stderr.write(`page error: ${error.message}\n`));
      const sockets: WebSocket[] = [];
      page.on('websocket', (socket) => sockets.push(socket));
      await page.goto(`${session.server.httpUrl}/?${new URLSearchParams(query).toString()}`);
      return { page, sockets };
    }

    const openSockets = (app: AppPage): number => app.sockets.filter((socket) => !socket.isClosed()).length;
    const effectRuns = (page: Page): Promise<number | undefined> => page.evaluate(() => window.reactAppEffectRuns);

    it('useQuireEditor: one connection after the double mount, edits reach the other and are saved, unmounting closes it', async () => {
      const { server } = session;
      const ada = await openApp({ doc: 'react/hook', name: 'Ada', color: '#e11d48' });
      await waitForState(ada.page, 'connection', 'connected');
      // StrictMode really mounted twice (React's development build), yet one connection remains.
      expect(await effectRuns(ada.page)).toBe(2);
      await expectConnectionsToSettleAt(server, 1);
      expect(openSockets(ada)).toBe(1);

      const grace = await openApp({ doc: 'react/hook', name: 'Grace', color: '#0284c7' });
      await waitForState(grace.page, 'connection', 'connected');
      await expectConnectionsToSettleAt(server, 2);

      const saveStates = await recordAttribute(ada.page, '[data-testid="save"]', 'data-state');
      await typeAtEnd(ada.page, 'Typed in React');
      await waitForText(grace.page, 'Typed in React');
      await waitForState(ada.page, 'save', 'saved');
      // The hook reported the edit as waiting for the server, then as saved.
      const seen = await saveStates();
      expect(seen).toContain('saving');
      expect(seen.at(-1)).toBe('saved');

      const people = (page: Page) =>
        page.$$eval('[data-testid="people"] li', (items) => items.map((item) => `${item.dataset['name']}:${item.dataset['self']}`));
      await expect.poll(() => people(ada.page), { timeout: 10_000 }).toEqual(['Ada:true', 'Grace:false']);
      await expect.poll(() => people(grace.page), { timeout: 10_000 }).toEqual(['Grace:true', 'Ada:false']);

      await ada.page.getByTestId('unmount').click();
      await expectConnectionsToSettleAt(server, 1);
      await expect.poll(() => openSockets(ada), { timeout: 5_000 }).toBe(0);
      // The provider was destroyed, not only disconnected: the others see Ada leave at once.
      await expect.poll(() => people(grace.page), { timeout: 5_000 }).toEqual(['Grace:true']);
      await grace.page.getByTestId('unmount').click();
      await expectConnectionsToSettleAt(server, 0);
    });

    it('<QuireEditor>: one connection after the double mount, saves, and closes it on unmount', async () => {
      const { server } = session;
      const app = await openApp({ view: 'component', doc: 'react/component' });
      await app.page.waitForSelector('.editor[data-connection="connected"] .ProseMirror', { timeout: 20_000 });
      expect(await effectRuns(app.page)).toBe(2);
      await expectConnectionsToSettleAt(server, 1);
      expect(openSockets(app)).toBe(1);

      const saveStates = await recordAttribute(app.page, '.editor', 'data-save');
      await typeAtEnd(app.page, 'From the component');
      await app.page.waitForSelector('.editor[data-save="saved"]', { timeout: 20_000 });
      const seen = await saveStates();
      expect(seen).toContain('saving');
      expect(seen.at(-1)).toBe('saved');

      await app.page.getByTestId('unmount').click();
      await expectConnectionsToSettleAt(server, 0);
      await expect.poll(() => openSockets(app), { timeout: 5_000 }).toBe(0);
      expect(await app.page.locator('.ProseMirror').count()).toBe(0);
    });
  },
  { demo: false },
);
