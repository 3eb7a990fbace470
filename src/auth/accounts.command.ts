import os from 'node:os';
import type { Command } from 'commander';
import type { EntityManager } from '@mikro-orm/postgresql';
import { loadConfig } from '../config';
import { openDatabase } from '../runtime/database';
import { createLogger } from '../runtime/logger';
import { systemClock } from '../runtime/clock';
import { StartupError } from '../runtime/startup-error';
import { ApiKeyService } from '../services/api-key.service';
import { isAppError } from '../services/errors';
import type { ServiceContext } from '../services/service-context';
import { UserService } from '../services/user.service';
import { runOperation } from './operation';
import { ROLES, type Permission } from './permissions';
import { newPassword } from './secrets';

/*
 * `sdes user add|passwd|list` and `sdes apikey create|revoke|list`: the database as `sdes migrate`
 * finds it (DATABASE_URL, or the embedded one under SDES_DATA_DIR; stop a gateway that uses the
 * embedded one first, it holds the folder). Whoever can run them on the server is an admin; each
 * change is audited as `cli:<os user>`.
 */

export const ENV_HELP = '\nDatabase: DATABASE_URL, or the embedded one under SDES_DATA_DIR (./data; stop the gateway using it first).';

/** The first line of standard input (for --password-stdin). */
async function readStdinLine(): Promise<string> {
  let data = '';
  for await (const chunk of process.stdin) {
    data += chunk;
    if (data.includes('\n')) break;
  }
  return data.split(/\r?\n/)[0];
}

export async function withServices<T>(name: string, permission: Permission, input: unknown, run: (ctx: ServiceContext) => Promise<T>): Promise<T> {
  const logger = createLogger({ name: 'sdes', level: process.env.LOG_LEVEL || 'warn' });
  const config = loadConfig();
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger });
  try {
    const ctx: ServiceContext = {
      em: db.orm.em.fork() as EntityManager,
      clock: systemClock,
      actor: { kind: 'cli', name: os.userInfo().username, role: 'admin', door: 'cli' },
    };
    return await runOperation(ctx, { name, permission, input }, () => run(ctx));
  } catch (err) {
    // A refusal of the service reads like a bad start: one line naming the field, exit code 1.
    if (isAppError(err)) throw new StartupError(err.message);
    throw err;
  } finally {
    await db.close();
  }
}

const print = (line: string) => process.stdout.write(`${line}\n`);

export function registerAccountCommands(program: Command): void {
  const user = program.command('user').description("manage operators' accounts (admin, operator, viewer)").addHelpText('after', ENV_HELP);

  user
    .command('add <username>')
    .description('create an account; without --password-stdin a random password is made and printed')
    .option('--role <role>', `${ROLES.join(', ')} (default viewer)`, 'viewer')
    .option('--password-stdin', 'read the password from the first line of standard input')
    .addHelpText('after', '\nExample:\n  echo "$PASSWORD" | sdes user add alice --role operator --password-stdin\n')
    .action(async (username: string, flags: { role: string; passwordStdin?: boolean }) => {
      const password = flags.passwordStdin ? await readStdinLine() : newPassword();
      const created = await withServices('user.add', 'accounts.manage', { username, role: flags.role }, (ctx) =>
        new UserService(ctx).create({ username, password, role: flags.role }),
      );
      print(`created ${created.username} (${created.role})`);
      if (!flags.passwordStdin) print(`password: ${password}`);
    });

  user
    .command('passwd <username>')
    .description("set an account's password (and end its sessions); without --password-stdin a random one is made and printed")
    .option('--password-stdin', 'read the password from the first line of standard input')
    .action(async (username: string, flags: { passwordStdin?: boolean }) => {
      const password = flags.passwordStdin ? await readStdinLine() : newPassword();
      const changed = await withServices('user.passwd', 'accounts.manage', { username }, (ctx) => new UserService(ctx).setPassword(username, password));
      print(`password of ${changed.username} changed; its sessions ended`);
      if (!flags.passwordStdin) print(`password: ${password}`);
    });

  user
    .command('list')
    .description('list the accounts: username, role, banned, last login')
    .action(async () => {
      const page = await withServices('user.list', 'accounts.read', undefined, (ctx) => new UserService(ctx).list({ pageSize: 500 }));
      print(['USERNAME', 'ROLE', 'BANNED', 'LAST LOGIN'].join('\t'));
      for (const u of page.items) print([u.username, u.role, u.banned ? 'yes' : 'no', u.lastLoginAt?.toISOString() ?? '-'].join('\t'));
    });

  const apikey = program.command('apikey').description('manage API keys for scripts and legacy REST consumers').addHelpText('after', ENV_HELP);

  apikey
    .command('create')
    .description('create an API key; prints keyId and secret (shown this once)')
    .requiredOption('--name <name>', 'what the key is for, e.g. "legacy dashboard"')
    .option('--role <role>', `${ROLES.join(', ')} (default operator)`, 'operator')
    .addHelpText('after', '\nUse it as HTTP Basic (curl -u keyId:secret) or as Authorization: Bearer keyId:secret.\n')
    .action(async (flags: { name: string; role: string }) => {
      const { apiKey, secret } = await withServices('apikey.create', 'accounts.manage', flags, (ctx) => new ApiKeyService(ctx).create(flags));
      print(`keyId: ${apiKey.keyId}`);
      print(`secret: ${secret}`);
      print(`role: ${apiKey.role}`);
      print(`use: curl -u ${apiKey.keyId}:${secret} http://<gateway>/v1/jobs`);
    });

  apikey
    .command('revoke <keyId>')
    .description('revoke an API key at once')
    .action(async (keyId: string) => {
      const revoked = await withServices('apikey.revoke', 'accounts.manage', { keyId }, (ctx) => new ApiKeyService(ctx).revoke(keyId));
      print(`revoked ${revoked.keyId} (${revoked.name})`);
    });

  apikey
    .command('list')
    .description('list the API keys (never their secrets)')
    .action(async () => {
      const page = await withServices('apikey.list', 'accounts.read', undefined, (ctx) => new ApiKeyService(ctx).list({ pageSize: 500 }));
      print(['KEY ID', 'NAME', 'ROLE', 'CREATED BY', 'REVOKED'].join('\t'));
      for (const k of page.items) print([k.keyId, k.name, k.role, k.createdBy, k.revokedAt?.toISOString() ?? '-'].join('\t'));
    });
}
