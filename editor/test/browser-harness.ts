import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createTempDir, killServerProcesses, removeTempDirs, startServerProcess, type ServerProcess } from '@quire/test-utils';
import type { EditorUser } from '../src/index.ts';

/** Debian's chromium; tests never download a browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** The built demo app; the root `pnpm test` builds it before the tests. */
export const DEMO_DIR = fileURLToPath(new URL('../dist/demo', import.meta.url));

/** Where screenshots go for people to look at; not committed. */
export const ARTIFACTS_DIR = fileURLToPath(new URL('../../test-artifacts', import.meta.url));

export interface BrowserAvailability {
  /** Run the browser tests. */
  readonly run: boolean;
  /** Why they cannot run, or null. */
  readonly problem: string | null;
  /** CI demands the browser: a missing one is a failure, not a skip. */
  readonly required: boolean;
}

export interface BrowserTestNeeds {
  /** The built demo app (default true); tests that build their own app say false. */
  readonly demo?: boolean;
}

/** Whether the browser tests can run here; prints why when they are skipped. */
export function browserAvailability(needs: BrowserTestNeeds = {}): BrowserAvailability {
  const required = process.env['QUIRE_REQUIRE_SERVICES'] === '1';
  let problem: string | null = null;
  if (!existsSync(CHROMIUM_PATH)) problem = `${CHROMIUM_PATH} is missing (apt-get install chromium)`;
  else if ((needs.demo ?? true) && !existsSync(`${DEMO_DIR}/index.html`)) problem = `the demo is not built (pnpm build)`;
  if (problem !== null && !required) process.stderr.write(`browser tests skipped: ${problem}\n`);
  return { run: problem === null, problem, required };
}

/**
 * A describe block for tests in a real browser: skipped with the reason
 * printed where there is no browser, failing instead where CI demands one.
 * Browsers on a busy CI machine are slow: a generous budget per test; every
 * wait has its own timeout.
 */
export function describeInBrowser(name: string, body: () => void, needs: BrowserTestNeeds = {}): void {
  const availability = browserAvailability(needs);
  describe.runIf(availability.required && !availability.run)('the browser', () => {
    it('is available, as CI requires', () => {
      expect.fail(`browser tests cannot run: ${availability.problem}`);
    });
  });
  describe.runIf(availability.run)(name, { timeout: 90_000 }, body);
}

/** A fresh headless Chromium; Playwright gives each launch its own new profile directory. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

export async function startDemoServer(dataDir: string, port = 0, args: readonly string[] = []): Promise<ServerProcess> {
  return startServerProcess({
    dataDir,
    port,
    args: ['--static-dir', DEMO_DIR, ...args],
  });
}

/** The demo server and the browser a describe block's tests share. */
export interface DemoSession {
  readonly server: ServerProcess;
  readonly browser: Browser;
}

/**
 * Starts a demo server (with extra command-line `args`) and a browser before
 * the describe block's tests and stops both after them; read the fields in
 * the tests, once they are set.
 */
export function useDemoServerAndBrowser(args: readonly string[] = []): DemoSession {
  const session = {} as { server: ServerProcess; browser: Browser };
  beforeAll(async () => {
    session.server = await startDemoServer(await createTempDir(), 0, args);
    session.browser = await launchBrowser();
  });
  afterAll(async () => {
    await session.browser?.close();
    await killServerProcesses();
    await removeTempDirs();
  });
  return session;
}

/** A browser context whose user has already chosen a name and colour. */
export async function newUserContext(browser: Browser, user: EditorUser): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 900, height: 640 } });
  await context.addInitScript((stored) => {
    localStorage.setItem('quire.user', stored);
  }, JSON.stringify(user));
  return context;
}

export function documentUrl(server: ServerProcess, name: string): string {
  return `${server.httpUrl}/d/${name.split('/').map(encodeURIComponent).join('/')}`;
}

/** Opens a document's editor page and waits until it is connected and synced. */
export async function openDocument(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (error) => process.stderr.write(`page error: ${error.message}\n`));
  await page.goto(url);
  await waitForState(page, 'connection', 'connected');
  return page;
}

/** Waits for a status badge (`connection` or `save`) to show a state. */
export async function waitForState(page: Page, badge: 'connection' | 'save', state: string, timeout = 20_000): Promise<void> {
  await page.waitForSelector(`[data-testid="${badge}"][data-state="${state}"]`, { timeout });
}

export async function waitForText(page: Page, text: string, timeout = 20_000): Promise<void> {
  await page.waitForFunction(
    (expected) => document.querySelector('.ProseMirror')?.textContent?.includes(expected) === true,
    text,
    { timeout },
  );
}

/** Puts the caret at the end of the document and types there. */
export async function typeAtEnd(page: Page, text: string): Promise<void> {
  await page.locator('.ProseMirror').focus();
  await page.keyboard.press('Control+End');
  await page.keyboard.type(text);
}

/** The document as HTML, from the editor's model (carets are decorations, not content). */
export async function documentHtml(page: Page): Promise<string> {
  return page.evaluate(() => window.quire?.editor.getHTML() ?? '');
}

export async function ensureArtifactsDir(): Promise<string> {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  return ARTIFACTS_DIR;
}
