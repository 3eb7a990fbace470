import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import type { GraphQLSchema } from 'graphql';
import { permissionOf } from '../graphql/requires';
import { SERVED_ROUTES } from '../rest-compat/routes';
import { PERMISSION_NAMES, PERMISSIONS, ROLES, roleMay, type Permission } from './permissions';

/**
 * docs/security.md's role table, written from the one definition (permissions.ts) and the REST
 * route table. The GraphQL side is listed by the same permission names on the resolvers
 * (`@Requires`); test/auth/roles.test.ts checks the docs against this text.
 */
export function rolesTable(schema: GraphQLSchema): string {
  const header = `| permission | what it covers | ${ROLES.join(' | ')} |\n| --- | --- | ${ROLES.map(() => ':---:').join(' | ')} |`;
  const rows = PERMISSION_NAMES.map((p) => `| \`${p}\` | ${PERMISSIONS[p].covers} | ${ROLES.map((r) => (roleMay(r, p) ? 'yes' : '—')).join(' | ')} |`);
  const byPermission = new Map<Permission, string[]>();
  for (const r of SERVED_ROUTES) byPermission.set(r.permission, [...(byPermission.get(r.permission) ?? []), `\`${r.method.toUpperCase()} /v1${r.path}\``]);
  const routes = PERMISSION_NAMES.filter((p) => byPermission.has(p)).map((p) => `- \`${p}\`: ${byPermission.get(p)!.sort().join(', ')}`);
  const fields = new Map<Permission, string[]>();
  for (const type of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    for (const name of Object.keys(type?.getFields() ?? {})) {
      const p = permissionOf(type!, name);
      if (p) fields.set(p, [...(fields.get(p) ?? []), `\`${type!.name === 'Query' ? '' : `${type!.name.toLowerCase()} `}${name}\``]);
    }
  }
  const graphql = PERMISSION_NAMES.filter((p) => fields.has(p)).map((p) => `- \`${p}\`: ${fields.get(p)!.sort().join(', ')}`);
  return [
    header,
    ...rows,
    '',
    'REST routes by permission:',
    '',
    ...routes,
    '',
    'GraphQL root fields by permission (`@Requires` on the resolvers):',
    '',
    ...graphql,
  ].join('\n');
}

/** `node dist/auth/roles-doc.js` rewrites the table between the markers of docs/security.md. */
if (require.main === module) {
  void (async () => {
    // Required here, not at the top: the tests import rolesTable without the schema's resolvers.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { buildGraphqlSchema } = require('../graphql/schema') as typeof import('../graphql/schema');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createLivePubSub } = require('../live/pubsub') as typeof import('../live/pubsub');
    const schema = await buildGraphqlSchema({ pubsub: createLivePubSub() });
    const file = path.resolve(__dirname, '../../docs/security.md');
    const doc = fs.readFileSync(file, 'utf8');
    const [before, rest] = doc.split('<!-- roles:begin -->');
    const after = rest.split('<!-- roles:end -->')[1];
    fs.writeFileSync(file, `${before}<!-- roles:begin -->\n${rolesTable(schema)}\n<!-- roles:end -->${after}`);
    process.stdout.write(`wrote ${file}\n`);
  })();
}
