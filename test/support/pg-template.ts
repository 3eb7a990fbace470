import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * A migrated embedded database made once per test run (jest globalSetup) and copied into each
 * test's data folder: creating a PGlite cluster costs seconds of CPU, copying a closed one a few
 * milliseconds. Without a template (DATABASE_URL runs) this does nothing.
 */
export async function seedEmbeddedData(dataDir: string): Promise<void> {
  const template = process.env.SDES_TEST_PG_TEMPLATE;
  if (!template || process.env.DATABASE_URL) return;
  await fs.cp(template, path.join(dataDir, 'pg'), { recursive: true });
}
