import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { createLivePubSub } from '../live/pubsub';
import { buildGraphqlSchema, schemaFileText } from './schema';

/** Writes schema.graphql at the project root: `npm run build && node dist/graphql/emit-schema.js`. */
export const SCHEMA_FILE = path.resolve(__dirname, '../../schema.graphql');

async function main() {
  const schema = await buildGraphqlSchema({ pubsub: createLivePubSub() });
  fs.writeFileSync(SCHEMA_FILE, schemaFileText(schema));
  console.log(`wrote ${SCHEMA_FILE}`);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
