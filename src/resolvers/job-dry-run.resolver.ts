import { Arg, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import type { GraphqlContext } from '../graphql/context';
import { Requires } from '../graphql/requires';
import { JobDryRunService, type JobDryRun } from '../services/job-dry-run.service';
import { f } from '../services/schemas/fields';
import { parseInput } from '../services/schemas/parse';
import { ClientType } from './client.type';
import { JobDryRunObject } from './job-dry-run.type';

const FIRST = { description: 'How many clients to list (by id), 0 to 500.' };

/** The dry run of a job (GraphQL door); the REST door is GET /v1/jobs/{jobId}/dry-run. */
@Resolver(() => JobDryRunObject)
export class JobDryRunResolver {
  @Requires('read')
  @Query(() => JobDryRunObject, {
    description: 'Which clients a run of the job would reach now (online, offline, disabled) and when it fires next; runs nothing.',
  })
  async jobDryRun(@Arg('id', () => Int) id: number, @Ctx() { services }: GraphqlContext): Promise<JobDryRunObject> {
    const d: JobDryRun = await new JobDryRunService(services.ctx).dryRun(id);
    return { ...d, onlineCount: d.online.length, offlineCount: d.offline.length, disabledCount: d.disabled.length };
  }

  @FieldResolver(() => [ClientType], { description: 'Enabled target clients connected now.' })
  online(@Root() d: JobDryRunObject, @Arg('first', () => Int, { defaultValue: 20, ...FIRST }) first: number, @Ctx() ctx: GraphqlContext) {
    return listed(d.online, first, ctx);
  }

  @FieldResolver(() => [ClientType], { description: 'Enabled target clients not connected now.' })
  offline(@Root() d: JobDryRunObject, @Arg('first', () => Int, { defaultValue: 20, ...FIRST }) first: number, @Ctx() ctx: GraphqlContext) {
    return listed(d.offline, first, ctx);
  }

  @FieldResolver(() => [ClientType], { description: 'Disabled target clients.' })
  disabled(@Root() d: JobDryRunObject, @Arg('first', () => Int, { defaultValue: 20, ...FIRST }) first: number, @Ctx() ctx: GraphqlContext) {
    return listed(d.disabled, first, ctx);
  }
}

async function listed(ids: number[], first: number, { services }: GraphqlContext) {
  parseInput(f.int(0, 500), first, 'first');
  const clients = await services.clients.getMany(ids.slice(0, first));
  // A client deleted since the dry run read its ids is left out, not returned as null.
  return clients.filter((c) => c !== null);
}
