import 'reflect-metadata';
import { openDatabase } from '../../src/runtime/database';
import { silentLogger } from '../../src/runtime/logger';

/**
 * Creates the migrated embedded database in the folder given as argument. Run in a child process
 * by global-setup.ts: loading PGlite into jest's own process breaks the tests that then load it
 * again in their sandbox when jest runs them in band (a single test file).
 */
async function main(dir: string): Promise<void> {
  const db = await openDatabase({ dataDir: dir, logger: silentLogger() });
  await db.close();
}

main(process.argv[2]).then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
