import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { createTempDir, killServerProcesses, removeTempDirs, type ServerProcess } from '@quire/test-utils';
import {
  describeInBrowser,
  documentUrl,
  launchBrowser,
  newUserContext,
  startDemoServer,
  typeAtEnd,
  waitForState,
  waitForText,
} from './browser-harness.ts';

// The demo against a server with authentication on: a token in the page URL
// or typed into the prompt opens the document; none, a bad one, or one
// without the document gives a clear message instead of a broken editor.

const SECRET = 'quire-demo-auth-secret-0123456789abcdef';

function token(claims: { read?: string[]; write?: string[]; sub?: string }): string {
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const payload = {
    sub: claims.sub ?? 'demo',
    exp: Math.floor(Date.now() / 1000) + 3600,
    quire: { read: claims.read ?? [], write: claims.write ?? [] },
  };
  const signingInput = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(payload)}`;
  return `${signingInput}.${createHmac('sha256', SECRET).update(signingInput).digest('base64url')}`;
}

describeInBrowser('the demo with authentication on', () => {
  let browser: Browser;
  let server: ServerProcess;
  const ada = { name: 'Ada', color: '#e11d48' };

  beforeAll(async () => {
    server = await startDemoServer(await createTempDir(), 0, ['--jwt-secret', SECRET]);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await killServerProcesses();
    await removeTempDirs();
  });

  it('opens a document with a token from the page URL, keeps it for the session, and saves', async () => {
    const context = await newUserContext(browser, ada);
    const page = await context.newPage();
    await page.goto(`${documentUrl(server, 'team/notes')}?token=${token({ write: ['team/*'] })}`);
    await waitForState(page, 'connection', 'connected');
    // The token left the address bar, and stays for the tab's session.
    expect(new URL(page.url()).searchParams.has('token')).toBe(false);
    await typeAtEnd(page, 'Typed with a token. ');
    await waitForState(page, 'save', 'saved');
    await page.goto(documentUrl(server, 'team/notes'));
    await waitForText(page, 'Typed with a token.');
    await page.goto(server.httpUrl);
    await page.getByTestId('document-link').first().waitFor();
    expect(await page.getByTestId('document-link').allInnerTexts()).toEqual([expect.stringContaining('team/notes')]);
    await context.close();
  });

  it('without a token, says the server needs one; a token typed into the prompt opens the document', async () => {
    const context = await newUserContext(browser, ada);
    const page = await context.newPage();
    await page.goto(documentUrl(server, 'team/prompted'));
    const refused = page.getByTestId('access-refused');
    await refused.waitFor();
    expect(await refused.getAttribute('data-kind')).toBe('unauthorized');
    await page.getByTestId('token-input').fill(token({ write: ['team/*'] }));
    await page.getByTestId('token-submit').click();
    await waitForState(page, 'connection', 'connected');
    await typeAtEnd(page, 'After the prompt. ');
    await waitForState(page, 'save', 'saved');
    await context.close();
  });

  it('a bad token, or one without the document, is a clear message, not a broken editor', async () => {
    const context = await newUserContext(browser, ada);
    const page = await context.newPage();
    await page.goto(`${documentUrl(server, 'team/notes')}?token=not-a-token`);
    await page.getByTestId('access-refused').waitFor();
    expect(await page.getByTestId('access-refused').getAttribute('data-kind')).toBe('unauthorized');
    expect(await page.getByTestId('editor').count()).toBe(0);

    await page.goto(`${documentUrl(server, 'secret/plans')}?token=${token({ read: ['team/*'] })}`);
    await page.getByTestId('access-refused').waitFor();
    expect(await page.getByTestId('access-refused').getAttribute('data-kind')).toBe('forbidden');

    // The home page with no token at all asks for one too.
    const fresh = await newUserContext(browser, ada);
    const home = await fresh.newPage();
    await home.goto(server.httpUrl);
    await home.getByTestId('access-refused').waitFor();
    expect(await home.getByTestId('access-refused').getAttribute('data-kind')).toBe('unauthorized');
    await fresh.close();
    await context.close();
  });
});
