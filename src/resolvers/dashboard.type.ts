import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'Totals of the fleet and of finished runs.' })
export class DashboardReports {
  @Field(() => Int) clients!: number;
  @Field(() => Int) groups!: number;
  @Field(() => Int) jobs!: number;
  @Field(() => Int) tasks!: number;
  @Field(() => Int, { description: 'Clients connected now (enabled or not).' }) clientsOnline!: number;
  @Field(() => Int) clientsOffline!: number;
  @Field(() => Int) clientsDisabled!: number;
  @Field(() => Int, { description: 'Runs that ended FAILED.' }) jobFailed!: number;
  @Field(() => Int) jobSuccess!: number;
  @Field(() => Int) jobNotExecuted!: number;
}

@ObjectType({ description: 'The basic figures of the dashboard.' })
export class DashboardInfo {
  @Field(() => Int) clients!: number;
  @Field(() => Int) tasks!: number;
  @Field(() => Int) jobs!: number;
  @Field(() => Int) groups!: number;
  @Field(() => Int, { description: 'Task executions recorded.' }) tasksHistory!: number;
  @Field(() => Int, { description: 'Client executions that ended FAILED in the last 24 hours.' }) alerts!: number;
}

@ObjectType({ description: 'How many clients and jobs have execution records.' })
export class DashboardLogsCount {
  @Field(() => Int) clients!: number;
  @Field(() => Int) jobs!: number;
}

@ObjectType({ description: 'Online clients at the start of one interval of the chart.' })
export class OnlineClientsPoint {
  @Field(() => Date) time!: Date;
  @Field(() => Int) clientCount!: number;
}

@ObjectType({ description: 'One entry of the job calendar: a past run or an upcoming fire.' })
export class ScheduledJobEntry {
  @Field(() => Int) jobId!: number;
  @Field() jobName!: string;
  @Field(() => Int, { nullable: true, description: 'The run, for past entries.' }) runId!: number | null;
  @Field(() => Date, { description: 'The planned start (the fire time).' }) startAt!: Date;
  @Field(() => Date, { description: "startAt + the job's duration." }) endAt!: Date;
  @Field({ description: 'SUCCESS, FAILED, RUNNING or UPCOMING.' }) result!: string;
  @Field(() => Int, { description: 'Reports of the run; for UPCOMING the enabled clients the job reaches now.' }) clients!: number;
  @Field(() => Date, { nullable: true }) actualStartAt!: Date | null;
  @Field(() => Date, { nullable: true }) actualEndAt!: Date | null;
}

@ObjectType({ description: 'Dashboard figures; each is computed when asked for.' })
export class Dashboard {}
