import { Field, Int, ObjectType } from 'type-graphql';
import { PageOf } from './common.type';
import { CycleType } from './enums';

@ObjectType('Job', { description: 'An ordered set of tasks aimed at clients directly and through groups, with a schedule.' })
export class JobObject {
  @Field(() => Int)
  id!: number;

  @Field()
  name!: string;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field({ description: 'Disabled jobs are not scheduled and cannot be run.' })
  enabled!: boolean;

  @Field(() => Int)
  priority!: number;

  @Field(() => CycleType)
  cycleType!: CycleType;

  @Field(() => String, {
    nullable: true,
    description:
      'Cron expression (minute hour day-of-month month day-of-week; a sixth "?" field and "L" are accepted) in the management server\'s time zone; null: the job runs only when asked.',
  })
  executionTime!: string | null;

  @Field(() => Int, { description: 'How many times a failed client execution is retried.' })
  maxRetries!: number;

  @Field(() => Int, { description: 'Seconds between retries.' })
  retryWait!: number;

  @Field(() => Int, { description: 'The longest a run may take, in seconds.' })
  duration!: number;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  lastEditedAt!: Date;

  @Field(() => Date, { nullable: true })
  lastRunAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When its tasks, groups or clients last changed.' })
  assignmentsChangedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the scheduler fires it next; null without a schedule or when done.' })
  nextRunAt!: Date | null;
}

@ObjectType({ description: 'A page of jobs.' })
export class JobPage extends PageOf(JobObject) {}

@ObjectType('SchedulePreview', { description: 'The fire times a schedule would have if it were saved now (JobService.previewSchedule).' })
export class SchedulePreviewObject {
  @Field({ description: 'The management time zone the fire times were computed in (general settings).' })
  timeZone!: string;

  @Field(() => [Date], { description: 'The next fire times, earliest first: one for a ONCE job, none when the expression never matches again.' })
  fireTimes!: Date[];
}
