import fs from 'node:fs/promises';
import path from 'node:path';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { User } from '../entities';
import type { Clock } from '../runtime/clock';
import type { Logger } from '../runtime/logger';
import { StartupError } from '../runtime/startup-error';
import { AuditService } from '../services/audit.service';
import { isAppError } from '../services/errors';
import { checkPassword, checkUsername, UserService } from '../services/user.service';
import { newPassword, verifyPassword } from './secrets';

export const INITIAL_PASSWORD_FILE = 'initial-admin-password';

export interface InitialAdminOptions {
  orm: MikroORM;
  clock: Clock;
  dataDir: string;
  /** SDES_ADMIN_USER (default admin) and SDES_ADMIN_PASSWORD. */
  env: { SDES_ADMIN_USER?: string; SDES_ADMIN_PASSWORD?: string };
  logger: Logger;
  /** Where the random first password is shown, once (default: standard output). */
  print?: (text: string) => void;
}

export type InitialAdminOutcome = 'created-from-env' | 'reset-from-env' | 'unchanged' | 'created-random' | 'exists';

/**
 * Makes sure someone can log in, at every start. With SDES_ADMIN_PASSWORD, the account
 * SDES_ADMIN_USER (default `admin`) exists, is an admin, is not banned and has that password.
 * Without it, a database with no account at all gets `admin` with a random password, shown
 * once and written to `$SDES_DATA_DIR/initial-admin-password` (mode 0600), which goes away
 * when the password is changed.
 */
export async function ensureInitialAdmin({
  orm,
  clock,
  dataDir,
  env,
  logger,
  print = (t) => process.stdout.write(t),
}: InitialAdminOptions): Promise<InitialAdminOutcome> {
  const em = orm.em.fork() as EntityManager;
  // No actor: the audit log names the gateway itself.
  const ctx = { em, clock };
  const users = new UserService(ctx);
  const audit = new AuditService(ctx);
  const given = env.SDES_ADMIN_PASSWORD;
  if (given) {
    let username: string;
    try {
      username = checkUsername(env.SDES_ADMIN_USER || 'admin');
      checkPassword(given);
    } catch (err) {
      if (isAppError(err))
        throw new StartupError(`${err.field === 'username' ? 'SDES_ADMIN_USER' : 'SDES_ADMIN_PASSWORD'}: ${err.message.replace(/^\w+: /, '')}`);
      throw err;
    }
    const user = await users.findByUsername(username);
    if (!user) {
      await createQuietly(() => users.create({ username, password: given, role: 'admin' }));
      await audit.record({ action: 'user.ensure-admin', outcome: 'ok', detail: { username, from: 'SDES_ADMIN_PASSWORD', created: true } });
      logger.info({ username }, 'admin account created from SDES_ADMIN_PASSWORD');
      return 'created-from-env';
    }
    const same = await verifyPassword(user.passwordHash, given);
    if (same && user.role === 'admin' && !user.banned) return 'unchanged';
    if (!same) await users.setPassword(username, given);
    user.role = 'admin';
    user.banned = false;
    await em.flush();
    await audit.record({ action: 'user.ensure-admin', outcome: 'ok', detail: { username, from: 'SDES_ADMIN_PASSWORD', passwordChanged: !same } });
    logger.info({ username }, 'admin account made to match SDES_ADMIN_USER / SDES_ADMIN_PASSWORD');
    return 'reset-from-env';
  }
  if ((await em.count(User, {})) > 0) return 'exists';
  const password = newPassword();
  const file = path.join(dataDir, INITIAL_PASSWORD_FILE);
  const created = await createQuietly(() => users.create({ username: 'admin', password, role: 'admin' }));
  if (!created) return 'exists';
  await fs.mkdir(dataDir, { recursive: true });
  await fs.writeFile(file, `${password}\n`, { mode: 0o600 });
  created.initialPasswordFile = file;
  await em.flush();
  await audit.record({ action: 'user.ensure-admin', outcome: 'ok', detail: { username: 'admin', from: 'random', file } });
  print(
    [
      '',
      'SDES: created the first account. Log in with',
      '  username: admin',
      `  password: ${password}`,
      `(also written to ${file}; it is removed once the password is changed: sdes user passwd admin)`,
      '',
      '',
    ].join('\n'),
  );
  logger.warn({ username: 'admin', file }, 'first admin created with a random password (shown once, and in the file)');
  return 'created-random';
}

/** Another gateway starting on the same database may create it first: that is not an error. */
async function createQuietly(create: () => Promise<User>): Promise<User | undefined> {
  try {
    return await create();
  } catch (err) {
    if (err instanceof UniqueConstraintViolationException || (isAppError(err) && err.code === 'CONFLICT')) return undefined;
    throw err;
  }
}
