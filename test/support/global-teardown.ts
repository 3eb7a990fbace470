import fs from 'node:fs/promises';
import path from 'node:path';

export default async function globalTeardown(): Promise<void> {
  const template = process.env.SDES_TEST_PG_TEMPLATE;
  if (template) await fs.rm(path.dirname(template), { recursive: true, force: true });
}
