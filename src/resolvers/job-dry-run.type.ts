import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType('JobDryRun', { description: 'What a run of the job would reach now, computed without running it (JobDryRunService).' })
export class JobDryRunObject {
  @Field(() => Int)
  jobId!: number;

  @Field()
  jobName!: string;

  @Field()
  enabled!: boolean;

  @Field(() => Int, { description: 'Enabled tasks bound to the job: what each reached client would run.' })
  enabledTasks!: number;

  @Field(() => Int, { description: 'Enabled target clients connected now.' })
  onlineCount!: number;

  @Field(() => Int, { description: 'Enabled target clients not connected now.' })
  offlineCount!: number;

  @Field(() => Int, { description: 'Disabled target clients: every run skips them.' })
  disabledCount!: number;

  @Field(() => [Date], { description: 'The next fire times in the management time zone (empty for a job run only when asked).' })
  nextFireTimes!: Date[];

  @Field({ description: 'The management time zone (general settings) the fire times follow: show them in it.' })
  timeZone!: string;

  @Field({ description: 'Whether runJob would be accepted now; blockers says why not.' })
  runnable!: boolean;

  @Field(() => [String])
  blockers!: string[];

  /** Ids per category, for the client lists' field resolvers. */
  online!: number[];
  offline!: number[];
  disabled!: number[];
}
