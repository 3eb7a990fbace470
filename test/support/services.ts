import type { EntityManager } from '@mikro-orm/postgresql';
import type { ServiceContext } from '../../src/services/service-context';
import { ManualClock } from './clock';
import { openTestDatabase, type TestDatabase } from './database';

export interface ServiceHarness {
  db: TestDatabase;
  clock: ManualClock;
  /** A new context with a fresh EntityManager fork, as each request gets. */
  ctx(): ServiceContext;
  em(): EntityManager;
}

/** Opens a test database before the file's tests and closes it after them. */
export function useServiceHarness(): ServiceHarness {
  const harness = { clock: new ManualClock() } as ServiceHarness;
  beforeAll(async () => {
    harness.db = await openTestDatabase();
    harness.em = () => harness.db.orm.em.fork({ useContext: true }) as EntityManager;
    harness.ctx = () => ({ em: harness.em(), clock: harness.clock });
  });
  afterAll(async () => {
    await harness.db?.close();
  });
  return harness;
}
