import { captureSql } from '../support/capture-sql';
import { executePrepared, PREPARED_PER_CONNECTION } from '../../src/runtime/prepared-statements';
import { openTestDatabase, type TestDatabase } from '../support/database';
import { TableNotFoundException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';

/** Named prepared statements exist only on a PostgreSQL server (PGlite shares one session between connections). */
const onServer = process.env.DATABASE_URL ? describe : describe.skip;

/** The names of the statements prepared on the session that answers (prepared statements are per session). */
async function preparedNames(em: EntityManager): Promise<string[]> {
  const rows = await executePrepared<{ name: string }>(em, "select name from pg_prepared_statements where name like 'sdes\\_%' order by name");
  return rows.map((r) => r.name);
}

onServer('executePrepared on PostgreSQL', () => {
  let db: TestDatabase;
  const em = () => db.orm.em.fork() as EntityManager;

  beforeAll(async () => {
    db = await openTestDatabase();
  });
  afterAll(async () => {
    await db?.close();
  });

  it('answers as em.execute does, with the values written into the statement', async () => {
    const sql = 'select ?::int as n, ?::text as s, ?::timestamptz as t';
    const params = [7, "it's", new Date(Date.UTC(2026, 0, 2, 3, 4, 5))];
    expect(await executePrepared(em(), sql, params)).toEqual(await em().execute(sql, params));
  });

  it('sends a statement by name, so that the server plans it once per connection', async () => {
    const { statements } = await captureSql(async () => {
      await executePrepared(em(), 'select 41 + 1 as answer');
      await executePrepared(em(), 'select 41 + 1 as answer');
    });
    expect(statements).toEqual(['select 41 + 1 as answer', 'select 41 + 1 as answer']);
    expect(await preparedNames(em())).toEqual(expect.arrayContaining([expect.stringMatching(/^sdes_[0-9a-f]{40}$/)]));
  });

  it(`keeps at most ${PREPARED_PER_CONNECTION} statements per connection, and prepares an evicted one again when it comes back`, async () => {
    const first = 'select 0 as k';
    await executePrepared(em(), first);
    for (let i = 1; i <= PREPARED_PER_CONNECTION + 5; i++) await executePrepared(em(), `select ${i} as k`);
    // One call at a time: each takes the pool's one idle connection, so one session holds them all.
    const names = await preparedNames(em());
    expect(names.length).toBeLessThanOrEqual(PREPARED_PER_CONNECTION);
    expect(await executePrepared(em(), first)).toEqual([{ k: 0 }]);
  });

  it('runs inside a transaction on the transaction’s connection, so it sees what the transaction wrote', async () => {
    const seen = await em().transactional(async (tx) => {
      await tx.execute('create temporary table prepared_probe (x int) on commit drop');
      await tx.execute('insert into prepared_probe values (5)');
      return executePrepared<{ x: number }>(tx as EntityManager, 'select x from prepared_probe');
    });
    expect(seen).toEqual([{ x: 5 }]);
  });

  it('throws the ORM’s error for a failing statement, and the connection stays usable', async () => {
    await expect(executePrepared(em(), 'select * from no_such_table')).rejects.toBeInstanceOf(TableNotFoundException);
    expect(await executePrepared(em(), 'select 1 as one')).toEqual([{ one: 1 }]);
  });
});

/** The embedded case runs where the suite does: without DATABASE_URL. */
const onEmbedded = process.env.DATABASE_URL ? describe.skip : describe;

onEmbedded('executePrepared on the embedded database', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openTestDatabase();
  });
  afterAll(async () => {
    await db?.close();
  });

  it('sends the statement as text, unnamed: PGlite puts every connection on one session', async () => {
    const seen: unknown[] = [];
    const { statements } = await captureSql(async () => {
      seen.push(await executePrepared(db.orm.em.fork() as EntityManager, 'select 2 as two'));
    });
    expect(seen).toEqual([[{ two: 2 }]]);
    expect(statements).toEqual(['select 2 as two']);
    const rows = await db.orm.em.fork().execute<{ n: number }[]>('select count(*)::int as n from pg_prepared_statements');
    expect(rows[0].n).toBe(0);
  });
});
