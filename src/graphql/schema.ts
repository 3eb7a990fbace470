import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import type { LivePubSub } from '../live/pubsub';
import { AgentCredentialResolver, EnrolmentTokenResolver } from '../resolvers/agent-credential.resolver';
import { AttributeResolver } from '../resolvers/attribute.resolver';
import { BindingResolver } from '../resolvers/binding.resolver';
import { ClientResolver } from '../resolvers/client.resolver';
import { DashboardResolver } from '../resolvers/dashboard.resolver';
import { ReportResolver, RunResolver, TaskResultResolver } from '../resolvers/execution.resolver';
import { GroupResolver } from '../resolvers/group.resolver';
import { JobResolver } from '../resolvers/job.resolver';
import { JobDryRunResolver } from '../resolvers/job-dry-run.resolver';
import { LiveResolver } from '../resolvers/live.resolver';
import { OperatorResolver } from '../resolvers/operator.resolver';
import { SettingsResolver } from '../resolvers/settings.resolver';
import { RemoteFolderResolver } from '../resolvers/remote-folder.resolver';
import { FileStoreSettingsResolver, StoredFileResolver } from '../resolvers/stored-file.resolver';
import { TaskResolver } from '../resolvers/task.resolver';

/** Every resolver of the graph. */
export const RESOLVERS = [
  JobResolver,
  JobDryRunResolver,
  TaskResolver,
  GroupResolver,
  ClientResolver,
  AttributeResolver,
  BindingResolver,
  SettingsResolver,
  RunResolver,
  ReportResolver,
  TaskResultResolver,
  DashboardResolver,
  LiveResolver,
  StoredFileResolver,
  FileStoreSettingsResolver,
  RemoteFolderResolver,
  OperatorResolver,
  AgentCredentialResolver,
  EnrolmentTokenResolver,
] as const;

/**
 * Builds the executable schema. Subscriptions read from `pubsub`, which type-graphql captures
 * at build time, so every gateway (and every test) gets its own.
 */
export function buildGraphqlSchema({ pubsub }: { pubsub: LivePubSub }): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [...RESOLVERS],
    pubSub: pubsub,
    // Inputs are the services' to judge (their zod schemas, src/services/schemas); paging
    // arguments are checked by each @Args' validateFn, which type-graphql runs in any case.
    validate: false,
    emitSchemaFile: false,
  });
}

/** The committed schema.graphql: sorted SDL, so that the file changes only when the graph does. */
export function schemaFileText(schema: GraphQLSchema): string {
  return `# The SDES GraphQL schema, written by \`node dist/graphql/emit-schema.js\` from the resolvers in src/resolvers.\n# Do not edit: test/graphql/schema-file.test.ts fails when this file is stale.\n\n${printSchema(lexicographicSortSchema(schema))}\n`;
}
