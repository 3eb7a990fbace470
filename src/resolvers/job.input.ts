import { Field, InputType, Int } from 'type-graphql';
import { MAX_JOB_RETRIES } from '../services/schemas/fields';
import { EditableFilterInput } from './common.type';
import { CycleType } from './enums';

@InputType({ description: 'Filters of the job list, as the REST document offers them; all given filters must hold.' })
export class JobFilterInput extends EditableFilterInput {
  @Field(() => Int, { nullable: true, description: 'Only jobs that contain this task.' })
  taskId?: number | null;

  @Field(() => Int, { nullable: true, description: 'Only jobs that reach this client (directly or through its groups).' })
  clientId?: number | null;

  @Field(() => Int, { nullable: true, description: 'Only jobs aimed at this group.' })
  groupId?: number | null;
}

@InputType({ description: 'A new job. Left out: maxRetries and retryWait from the job settings, duration 3600 s, cycleType ONCE, enabled true.' })
export class CreateJobInput {
  @Field()
  name!: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => Boolean, { nullable: true })
  enabled?: boolean | null;

  @Field(() => Int, { nullable: true, description: 'Any Int; higher runs first, negatives below 0.' })
  priority?: number | null;

  @Field(() => CycleType, { nullable: true })
  cycleType?: CycleType | null;

  @Field(() => String, {
    nullable: true,
    description: 'Cron: minute hour day-of-month month day-of-week (a sixth "?" field and "L" are accepted); null: run only when asked.',
  })
  executionTime?: string | null;

  @Field(() => Int, { nullable: true, description: `From 0 to ${MAX_JOB_RETRIES}.` })
  maxRetries?: number | null;

  @Field(() => Int, { nullable: true, description: 'Seconds.' })
  retryWait?: number | null;

  @Field(() => Int, { nullable: true, description: 'Seconds, from 1.' })
  duration?: number | null;
}

@InputType({ description: 'Changes to a job; fields left out stay as they are (executionTime: null removes the schedule).' })
export class UpdateJobInput {
  @Field(() => Int)
  id!: number;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => Boolean, { nullable: true })
  enabled?: boolean | null;

  @Field(() => Int, { nullable: true, description: 'Any Int; higher runs first, negatives below 0.' })
  priority?: number | null;

  @Field(() => CycleType, { nullable: true })
  cycleType?: CycleType | null;

  @Field(() => String, { nullable: true })
  executionTime?: string | null;

  @Field(() => Int, { nullable: true, description: `From 0 to ${MAX_JOB_RETRIES}.` })
  maxRetries?: number | null;

  @Field(() => Int, { nullable: true })
  retryWait?: number | null;

  @Field(() => Int, { nullable: true })
  duration?: number | null;
}
