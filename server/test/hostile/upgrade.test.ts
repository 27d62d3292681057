import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killServerProcesses, removeTempDirs } from '@quire/test-utils';
import { signToken, writeAll } from '../security/helpers/tokens.ts';
import { assertServedAndIntact, destroyStockClients, documentUrl, Harness, listDocuments, writeStored } from './harness.ts';
import { rawRequest, upgradeRequest } from './raw-http.ts';

// Rows 1–6 of the hostile-input table: attacks on the HTTP upgrade itself.
// One server process serves every row; each row ends by checking that other
// clients are served and that stored documents survive a restart.

let harness: Harness;
const stored = { witness: 'stored before the attacks' };

beforeAll(async () => {
  harness = await Harness.start(['--allowed-origins', 'https://app.example']);
  await writeStored(harness.url, 'witness', stored.witness);
});
afterEach(() => destroyStockClients());
afterAll(async () => {
  await killServerProcesses();
  await removeTempDirs();
});

const pathFor = (docName: string, token = writeAll()): string =>
  new URL(documentUrl('ws://127.0.0.1', docName, token)).pathname + `?token=${encodeURIComponent(token)}`;

async function listedDocuments(): Promise<string[]> {
  return (await listDocuments(harness)).map((document) => document.name);
}

describe('hostile upgrade requests (rows 1–6)', () => {
  it('row 1: an upgrade with 2,100 headers is refused and the process lives', async () => {
    const headers = Object.fromEntries(Array.from({ length: 2_100 }, (_, index) => [`X-Filler-${index}`, 'v']));
    const response = await rawRequest(harness.server.port, upgradeRequest(pathFor('row-1'), headers));
    expect([400, 431, null]).toContain(response.status);
    await assertServedAndIntact(harness, stored);
  });

  it('row 2: hostile Sec-WebSocket-Extensions and ReDoS-length Sec-WebSocket-Protocol are harmless', async () => {
    // Compression is off, so the extension header is never parsed: the upgrade proceeds without it.
    const extensions = await rawRequest(
      harness.server.port,
      upgradeRequest(pathFor('row-2'), { 'Sec-WebSocket-Extensions': 'constructor; constructor=1, __proto__' }),
    );
    expect([101, 400]).toContain(extensions.status);
    expect(extensions.head.toLowerCase()).not.toContain('sec-websocket-extensions');
    const protocol = await rawRequest(
      harness.server.port,
      upgradeRequest(pathFor('row-2'), { 'Sec-WebSocket-Protocol': `${'a'.repeat(8_000)}  ,,  ${'b '.repeat(2_000)}` }),
    );
    expect(protocol.status).toBe(400);
    await assertServedAndIntact(harness, stored);
  });

  it('row 3: missing or malformed Sec-WebSocket-Key gets 400, a thousand times over', async () => {
    const requests = [
      upgradeRequest(pathFor('row-3'), {}, ['Sec-WebSocket-Key']),
      upgradeRequest(pathFor('row-3'), { 'Sec-WebSocket-Key': 'not-base64!' }),
      upgradeRequest(pathFor('row-3'), { 'Sec-WebSocket-Key': 'x'.repeat(4_000) }),
    ];
    for (let batch = 0; batch < 20; batch++) {
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, index) => rawRequest(harness.server.port, requests[index % requests.length]!)),
      );
      for (const answer of answers) expect(answer.status).toBe(400);
    }
    // No per-request state is kept: every refused request gave its slot back.
    expect(await listedDocuments()).not.toContain('row-3');
    await assertServedAndIntact(harness, stored);
  });

  it('row 4: a foreign Origin is refused with 403 before the upgrade', async () => {
    const foreign = await rawRequest(harness.server.port, upgradeRequest(pathFor('row-4'), { Origin: 'https://evil.example' }));
    expect(foreign.status).toBe(403);
    const allowed = await rawRequest(harness.server.port, upgradeRequest(pathFor('row-4'), { Origin: 'https://app.example' }));
    expect(allowed.status).toBe(101);
    await assertServedAndIntact(harness, stored);
  });

  it('row 5: no token, a bad signature or an expired token gets 401 and loads no document', async () => {
    const bare = `/row-5`;
    const cases = [
      bare,
      pathFor('row-5', signToken({ write: ['*'] }, 'another-secret-another-secret-0000')),
      pathFor('row-5', signToken({ write: ['*'], exp: Math.floor(Date.now() / 1000) - 60 })),
      pathFor('row-5', 'not.a.jwt'),
    ];
    for (const path of cases) {
      const answer = await rawRequest(harness.server.port, upgradeRequest(path));
      expect(answer.status, path).toBe(401);
      expect(answer.head).toContain('WWW-Authenticate: Bearer');
    }
    expect(harness.server.logs.some((line) => line['docName'] === 'row-5' && line.msg === 'connection opened')).toBe(false);
    expect(await listedDocuments()).not.toContain('row-5');
    await assertServedAndIntact(harness, stored);
  });

  it('row 6: unacceptable document names get 400 and create nothing', async () => {
    const paths = ['/', '/%20%20', '/../x', '/%2e%2e', '/a%00b', `/${'n'.repeat(10_000)}`, '/*', '/team/*', '/a//b'];
    for (const path of paths) {
      const answer = await rawRequest(harness.server.port, upgradeRequest(`${path}?token=${writeAll()}`));
      expect(answer.status, path).toBe(400);
    }
    // `:lock` is an ordinary name (storage keys cannot collide with it) and is accepted.
    const lock = await rawRequest(harness.server.port, upgradeRequest(pathFor('notes:lock')));
    expect(lock.status).toBe(101);
    const names = await listedDocuments();
    for (const name of names) expect(name === 'witness' || name.startsWith('bystander-'), name).toBe(true);
    await assertServedAndIntact(harness, stored);
  });
});
