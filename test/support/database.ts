import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { openDatabase, type Database } from '../../src/runtime/database';
import { silentLogger } from '../../src/runtime/logger';
import { seedEmbeddedData } from './pg-template';

export interface TestDatabase extends Database {
  /** The URL a second process can use to reach the same database. */
  url?: string;
  dataDir: string;
}

/**
 * A fresh, migrated database for one test file: a new database on the server DATABASE_URL points
 * at (dropped afterwards), or a new embedded PGlite in a temporary folder.
 */
export async function openTestDatabase(): Promise<TestDatabase> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'sdes-test-'));
  const server = process.env.DATABASE_URL;
  if (!server) {
    await seedEmbeddedData(dataDir);
    const db = await openDatabase({ dataDir, logger: silentLogger() });
    return {
      ...db,
      dataDir,
      async close() {
        await db.close();
        await fs.rm(dataDir, { recursive: true, force: true });
      },
    };
  }
  const name = `sdes_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new PgClient({ connectionString: server });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  const db = await openDatabase({ databaseUrl: url.toString(), dataDir, logger: silentLogger() });
  return {
    ...db,
    url: url.toString(),
    dataDir,
    async close() {
      await db.close();
      const drop = new PgClient({ connectionString: server });
      await drop.connect();
      await drop.query(`drop database if exists "${name}" with (force)`);
      await drop.end();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}
