import { Client as PgClient } from 'pg';
import { AUTH_SQL_TAG } from '../../src/services/session.service';

/**
 * Records the SQL statements sent through `pg` while `fn` runs (every client of the process).
 * The credential check of each request (statements tagged AUTH_SQL_TAG) is the door's, not the
 * operation's, and is left out: these counts are about what an operation costs.
 */
export async function captureSql<T>(fn: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
  const statements: string[] = [];
  const proto = PgClient.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    const first = args[0];
    const text = typeof first === 'string' ? first : (first as { text?: string } | undefined)?.text;
    if (text && !text.startsWith(AUTH_SQL_TAG)) statements.push(text);
    return original.apply(this, args);
  };
  try {
    const result = await fn();
    return { result, statements };
  } finally {
    proto.query = original;
  }
}
