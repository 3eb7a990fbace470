import { Client as PgClient } from 'pg';

/**
 * A database of the bench's own on the PostgreSQL server `serverUrl` names (DATABASE_URL), so a
 * run never meets earlier data; `drop()` removes it at the end.
 */
export async function scratchDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `sdes_bench_${process.pid}_${Date.now().toString(36)}`;
  const admin = async (sql: string) => {
    const client = new PgClient({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`create database "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`drop database if exists "${name}" with (force)`) };
}
