import fs from 'node:fs';
import path from 'node:path';
import { buildGraphqlSchema, schemaFileText } from '../../src/graphql/schema';
import { createLivePubSub } from '../../src/live/pubsub';

const SCHEMA_FILE = path.resolve(__dirname, '../../schema.graphql');

describe('schema.graphql', () => {
  it('matches the schema the resolvers build (regenerate: npm run build && node dist/graphql/emit-schema.js)', async () => {
    const schema = await buildGraphqlSchema({ pubsub: createLivePubSub() });
    const committed = fs.existsSync(SCHEMA_FILE) ? fs.readFileSync(SCHEMA_FILE, 'utf8') : '';
    expect(committed).toBe(schemaFileText(schema));
  });

  it('describes every object type and every root field', async () => {
    const schema = await buildGraphqlSchema({ pubsub: createLivePubSub() });
    for (const root of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
      const undocumented = Object.values(root!.getFields())
        .filter((f) => !f.description && !/^(enable|update|bind|unbind|create)/.test(f.name))
        .map((f) => f.name);
      expect(undocumented).toEqual([]);
    }
  });
});
