import { needPostgres } from '@quire/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStore, migrate, schemaStatus, SCHEMA_MIGRATIONS, SCHEMA_VERSION } from '../src/index.ts';
import { createPostgresTestContext, type PostgresTestContext } from './postgres-fixture.ts';

const postgres = await needPostgres();

describe.skipIf(!postgres.ok)('migrations', () => {
  let context: PostgresTestContext;
  beforeAll(async () => {
    context = await createPostgresTestContext();
  });
  afterAll(() => context.dispose());

  const all = SCHEMA_MIGRATIONS.map(({ version, name }) => ({ version, name }));

  it('refuses a store over a schema that is behind unless it may migrate', async () => {
    expect(await schemaStatus(context.database.url)).toMatchObject({ applied: [], behind: true, ahead: false, codeVersion: SCHEMA_VERSION });
    await expect(createPostgresStore({ connectionString: context.database.url, migrate: false })).rejects.toMatchObject({
      code: 'ERR_STORAGE_READ_FAILED',
      message: expect.stringMatching(/migrat/) as unknown,
    });
  });

  it('applies every migration once, also when two run at the same time', async () => {
    const pool = context.openPool();
    const results = await Promise.all([migrate(context.database.url), migrate(pool)]);
    expect(results.flat()).toEqual(all);
    expect(await migrate(context.database.url)).toEqual([]);
    expect(await schemaStatus(pool)).toMatchObject({ applied: all.map((entry) => entry.version), pending: [], behind: false });
    const { rows } = await pool.query<{ count: string }>('SELECT count(*) FROM quire_schema_migrations');
    expect(Number(rows[0]?.count)).toBe(all.length);
  });

  it('opens a store without migrating once the schema is current, and tells of a newer schema', async () => {
    const store = await createPostgresStore({ connectionString: context.database.url, migrate: false });
    await store.close();
    const pool = context.openPool();
    await pool.query("INSERT INTO quire_schema_migrations (version, name) VALUES (100000, 'from a newer release')");
    expect(await schemaStatus(pool)).toMatchObject({ behind: false, ahead: true });
    expect(await migrate(pool)).toEqual([]);
  });
});
