import { runDocumentStoreSuite, runSequencedStoreSuite } from '@quire/storage/test-suite';
import { needPostgres } from '@quire/test-utils';
import { afterAll, beforeAll, describe } from 'vitest';
import { createPostgresTestContext, type PostgresTestContext } from './postgres-fixture.ts';

const postgres = await needPostgres();

describe.skipIf(!postgres.ok)('PostgreSQL store', () => {
  let context: PostgresTestContext;
  beforeAll(async () => {
    context = await createPostgresTestContext();
  });
  afterAll(() => context.dispose());

  runDocumentStoreSuite({
    name: 'postgres',
    async createStore(options) {
      await context.truncate();
      const store = await context.openStore(options);
      return {
        store,
        reopen: () => context.openStore(options),
        injectRawEntry: (docName, bytes) => context.injectRawEntry(docName, bytes),
        cleanup: () => context.closeAll(),
      };
    },
  });

  runSequencedStoreSuite({
    name: 'postgres',
    async createStore(options) {
      await context.truncate();
      return {
        store: await context.openStore(options),
        openAnother: () => context.openStore(options),
        cleanup: () => context.closeAll(),
      };
    },
  });
});
