import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * Builds the migrated embedded database every test file copies (see pg-template.ts), in a child
 * process (see make-pg-template.ts) that runs the TypeScript sources through swc.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.DATABASE_URL) return;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sdes-pg-template-'));
  execFileSync(process.execPath, ['--require', '@swc-node/register', path.join(__dirname, 'make-pg-template.ts'), dir], {
    stdio: 'inherit',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  process.env.SDES_TEST_PG_TEMPLATE = path.join(dir, 'pg');
}
