import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import {
  describeInBrowser,
  documentHtml,
  documentUrl,
  ensureArtifactsDir,
  newUserContext,
  openDocument,
  typeAtEnd,
  useDemoServerAndBrowser,
  waitForState,
  waitForText,
} from './browser-harness.ts';

const ADA = { name: 'Ada', color: '#e11d48' };
const GRACE = { name: 'Grace', color: '#0284c7' };

describeInBrowser('two people editing in real browsers', () => {
  const session = useDemoServerAndBrowser();
  const contexts: BrowserContext[] = [];

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });

  async function openBoth(name: string): Promise<[Page, Page]> {
    const url = documentUrl(session.server, name);
    const adaContext = await newUserContext(session.browser, ADA);
    const graceContext = await newUserContext(session.browser, GRACE);
    contexts.push(adaContext, graceContext);
    return Promise.all([openDocument(adaContext, url), openDocument(graceContext, url)]);
  }

  /** Text of the rendered elements matching `selector` in the editor, without other people's carets. */
  async function renderedTexts(page: Page, selector: string): Promise<string[]> {
    return page.$$eval(`.ProseMirror ${selector}`, (elements) =>
      elements.map((element) => {
        const copy = element.cloneNode(true) as Element;
        for (const caret of copy.querySelectorAll('.collaboration-carets__caret')) caret.remove();
        return copy.textContent ?? '';
      }),
    );
  }

  /** The label of the other person's caret, as this page renders it. */
  async function caretLabels(page: Page): Promise<{ name: string; color: string }[]> {
    return page.$$eval('.collaboration-carets__label', (labels) =>
      labels.map((label) => ({ name: label.textContent ?? '', color: getComputedStyle(label).backgroundColor })),
    );
  }

  it('shows text, formatting, carets and presence from one to the other', async () => {
    const [ada, grace] = await openBoth('collab/format');

    await typeAtEnd(ada, 'Minutes');
    await waitForText(grace, 'Minutes');
    await ada.getByTestId('tool-heading-1').click();
    await ada.keyboard.press('End');
    await ada.keyboard.press('Enter');
    await ada.getByTestId('tool-bold').click();
    await ada.keyboard.type('Decided');
    await ada.getByTestId('tool-bold').click();
    await ada.keyboard.type(' today.');
    await ada.keyboard.press('Enter');
    await ada.getByTestId('tool-bullet-list').click();
    await ada.keyboard.type('first point');
    await ada.keyboard.press('Enter');
    await ada.keyboard.type('second point');

    await waitForText(grace, 'second point');
    // StarterKit's trailing node keeps an empty paragraph after the list.
    const expected =
      '<h1>Minutes</h1><p><strong>Decided</strong> today.</p><ul><li><p>first point</p></li><li><p>second point</p></li></ul><p></p>';
    expect(await documentHtml(ada)).toBe(expected);
    expect(await documentHtml(grace)).toBe(expected);
    // Rendered, not only in the model: the same elements on Grace's screen.
    expect(await renderedTexts(grace, 'h1')).toEqual(['Minutes']);
    expect(await renderedTexts(grace, 'p > strong')).toEqual(['Decided']);
    expect(await renderedTexts(grace, 'ul > li')).toEqual(['first point', 'second point']);

    await typeAtEnd(grace, ' (agreed)');
    await waitForText(ada, '(agreed)');
    await expect.poll(() => caretLabels(grace), { timeout: 10_000 }).toEqual([{ name: 'Ada', color: 'rgb(225, 29, 72)' }]);
    await expect.poll(() => caretLabels(ada), { timeout: 10_000 }).toEqual([{ name: 'Grace', color: 'rgb(2, 132, 199)' }]);

    const presence = (page: Page) =>
      page.$$eval('[data-testid="presence"] li', (items) => items.map((item) => `${item.dataset['name']}:${item.dataset['self']}`));
    await expect.poll(() => presence(ada), { timeout: 10_000 }).toEqual(['Ada:true', 'Grace:false']);
    await expect.poll(() => presence(grace), { timeout: 10_000 }).toEqual(['Grace:true', 'Ada:false']);
    await waitForState(ada, 'save', 'saved');
    await waitForState(grace, 'save', 'saved');

    // For a person to look at: both screens side by side, each with the other's caret.
    const shots = await Promise.all([ada.screenshot(), grace.screenshot()]);
    const board = await session.browser.newPage({ viewport: { width: 1820, height: 640 } });
    await board.setContent(
      `<body style="margin:0;display:flex;gap:20px;background:#d0d4da">${shots
        .map((shot) => `<img src="data:image/png;base64,${shot.toString('base64')}" width="900" height="640">`)
        .join('')}</body>`,
    );
    const directory = await ensureArtifactsDir();
    await writeFile(join(directory, 'two-editors.png'), await board.screenshot());
    await board.close();

    // Leaving takes the caret and the avatar away at once, not after the 30 s awareness timeout.
    await ada.evaluate(() => window.quire?.destroy());
    await expect.poll(() => presence(grace), { timeout: 5_000 }).toEqual(['Grace:true']);
    expect(await caretLabels(grace)).toEqual([]);
  });

  it('asks a new visitor for a name once, lists documents and creates new ones', async () => {
    const context = await session.browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${session.server.httpUrl}/`);
    await page.getByTestId('identity-name').fill('Katherine');
    await page.locator('[data-color="#16a34a"]').click();
    await page.getByTestId('identity-save').click();
    await page.getByTestId('new-document-name').fill('team/launch plan');
    await page.getByTestId('new-document').click();
    await page.waitForURL(`${session.server.httpUrl}/d/team/launch%20plan`);
    await waitForState(page, 'connection', 'connected');
    expect(await page.getByTestId('document-title').textContent()).toBe('team/launch plan');
    await typeAtEnd(page, 'Kick-off on Monday.');
    await waitForState(page, 'save', 'saved');

    await page.goto(`${session.server.httpUrl}/`);
    await page.waitForSelector('[data-testid="document-link"]');
    expect(await page.locator('[data-testid="document-link"] .document-name').allTextContents()).toContain('team/launch plan');
    expect(await page.getByTestId('identity-dialog').count()).toBe(0);
    expect(await page.getByTestId('user-chip').textContent()).toBe('Katherine');
    await page.locator('[data-testid="document-link"]', { hasText: 'team/launch plan' }).click();
    await waitForText(page, 'Kick-off on Monday.');
    await expect
      .poll(() => page.$$eval('[data-testid="presence"] li', (items) => items.map((item) => item.style.getPropertyValue('--color'))), {
        timeout: 10_000,
      })
      .toEqual(['#16a34a']);
  });

  it('undoes only the local edit, leaving the other person\u2019s text', async () => {
    const [ada, grace] = await openBoth('collab/undo');
    await typeAtEnd(ada, 'Ada wrote this.');
    await waitForText(grace, 'Ada wrote this.');
    await grace.locator('.ProseMirror').focus();
    await grace.keyboard.press('Control+End');
    await grace.keyboard.press('Enter');
    await grace.keyboard.type('Grace wrote this.');
    await waitForText(ada, 'Grace wrote this.');

    await ada.getByTestId('tool-undo').click();
    const text = (page: Page) => page.evaluate(() => window.quire?.editor.getText() ?? '');
    await expect.poll(() => text(grace), { timeout: 10_000 }).not.toContain('Ada wrote this.');
    expect(await text(grace)).toContain('Grace wrote this.');
    expect(await text(ada)).not.toContain('Ada wrote this.');
    expect(await text(ada)).toContain('Grace wrote this.');

    // Grace's own history still holds her edit; Ada's redo brings hers back.
    await ada.getByTestId('tool-redo').click();
    await waitForText(grace, 'Ada wrote this.');
    expect(await documentHtml(ada)).toBe(await documentHtml(grace));
  });
});
