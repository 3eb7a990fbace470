import 'reflect-metadata';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/runtime/database';
import { silentLogger } from '../../src/runtime/logger';

/** Builds the migrated embedded database every test file copies (see pg-template.ts). */
export default async function globalSetup(): Promise<void> {
  if (process.env.DATABASE_URL) return;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sdes-pg-template-'));
  const db = await openDatabase({ dataDir: dir, logger: silentLogger() });
  await db.close();
  process.env.SDES_TEST_PG_TEMPLATE = path.join(dir, 'pg');
}
