import { GraphQLJSON, GraphQLJSONObject } from 'graphql-scalars';
import { Field, InputType, Int, ObjectType } from 'type-graphql';
import { SCRIPT_STEP_COST } from '../graphql/cost';
import { MAX_SCRIPT_STEPS } from '../services/step-script';
import { PageOf } from './common.type';
import { ExecutionStatus, RunTrigger, StepType } from './enums';

@ObjectType('Run', { description: 'One run of a job. Name and description are kept, so history outlives edits and deletes of the job.' })
export class RunObject {
  @Field(() => Int)
  id!: number;

  @Field(() => Int)
  jobId!: number;

  @Field()
  jobName!: string;

  @Field(() => String, { nullable: true })
  jobDescription!: string | null;

  @Field(() => RunTrigger)
  trigger!: RunTrigger;

  @Field(() => ExecutionStatus)
  status!: ExecutionStatus;

  @Field(() => Int)
  priority!: number;

  @Field(() => Date, { description: 'When the schedule meant it to start (the fire time); equals startedAt for manual runs.' })
  scheduledAt!: Date;

  @Field(() => Date)
  startedAt!: Date;

  @Field(() => Date, { description: "startedAt + the job's duration: reports still open then end FAILED or NOT_EXECUTE." })
  deadlineAt!: Date;

  @Field(() => Date, { nullable: true })
  endedAt!: Date | null;
}

@ObjectType({ description: 'A page of runs, newest first.' })
export class RunPage extends PageOf(RunObject) {}

@ObjectType('Report', { description: "One client's part of a run, known by its reportId." })
export class ReportObject {
  @Field({ description: 'The id agents and the log routes use.' })
  reportId!: string;

  @Field(() => Int)
  runId!: number;

  @Field(() => Int)
  jobId!: number;

  @Field()
  jobName!: string;

  @Field(() => Int)
  clientId!: number;

  @Field()
  mqttClientId!: string;

  @Field(() => ExecutionStatus)
  status!: ExecutionStatus;

  @Field(() => Int, { description: '0 for the first attempt, then one more per retry.' })
  attempt!: number;

  @Field(() => String, { nullable: true })
  message!: string | null;

  @Field(() => Date, { nullable: true, description: 'When the client started (null while it has not).' })
  startTime!: Date | null;

  @Field(() => Date, { nullable: true })
  endTime!: Date | null;
}

@ObjectType({ description: 'A page of reports.' })
export class ReportPage extends PageOf(ReportObject) {}

@ObjectType('TaskResult', { description: "One task's result within a report; the task's fields are a snapshot." })
export class TaskResultObject {
  @Field(() => Int, { name: 'id' })
  taskResultId!: number;

  @Field()
  reportId!: string;

  @Field(() => Int)
  jobId!: number;

  @Field(() => Int)
  clientId!: number;

  @Field(() => Int)
  taskId!: number;

  @Field()
  taskName!: string;

  @Field(() => String, { nullable: true })
  taskDescription!: string | null;

  @Field(() => Int)
  order!: number;

  @Field(() => Int)
  priority!: number;

  @Field()
  disableValidation!: boolean;

  @Field(() => ExecutionStatus)
  status!: ExecutionStatus;

  @Field(() => Date, { nullable: true })
  startTime!: Date | null;

  @Field(() => Date, { nullable: true })
  endTime!: Date | null;
}

@ObjectType({ description: 'A page of task results.' })
export class TaskResultPage extends PageOf(TaskResultObject) {}

@ObjectType('StepMessage', { description: 'A timed message of a step: START, output lines, the result.' })
export class StepMessageObject {
  @Field(() => Date)
  startTime!: Date;

  @Field(() => Date)
  endTime!: Date;

  @Field()
  message!: string;
}

@ObjectType('StepResult', { description: "One step's result within a task result, with its timed messages." })
export class StepResultObject {
  @Field(() => Int)
  id!: number;

  @Field()
  reportId!: string;

  @Field(() => Int)
  taskId!: number;

  @Field(() => Int, { description: "The step's id in the task script." })
  scriptId!: number;

  @Field(() => Int, { nullable: true, description: 'The IF step it sits under.' })
  parentScriptId!: number | null;

  @Field({ description: 'True for a condition or branch item of an IF.' })
  isItem!: boolean;

  @Field(() => StepType)
  type!: StepType;

  @Field(() => Int)
  order!: number;

  @Field(() => ExecutionStatus)
  status!: ExecutionStatus;

  @Field(() => Date, { nullable: true })
  startTime!: Date | null;

  @Field(() => Date, { nullable: true })
  endTime!: Date | null;

  @Field(() => GraphQLJSONObject, { description: "The step's fields as they were run (filePath, targetFilePath, block, ...)." })
  step!: Record<string, unknown>;

  @Field(() => [StepMessageObject])
  messages!: StepMessageObject[];
}

@ObjectType({ description: 'A page of step results.' })
export class StepResultPage extends PageOf(StepResultObject) {}

@ObjectType('ClientLogOverview', { description: 'A client with the status of its latest finished report (NOT_EXECUTE when it has none).' })
export class ClientLogOverviewObject {
  @Field(() => Int)
  clientId!: number;

  @Field()
  mqttClientId!: string;

  @Field(() => String, { nullable: true })
  username!: string | null;

  @Field(() => String, { nullable: true, name: 'ipAddress' })
  ip!: string | null;

  @Field(() => ExecutionStatus)
  status!: ExecutionStatus;

  @Field(() => String, { nullable: true })
  reportId!: string | null;

  @Field(() => Int, { nullable: true })
  jobId!: number | null;

  @Field(() => String, { nullable: true })
  jobName!: string | null;

  @Field(() => Date, { nullable: true })
  startTime!: Date | null;

  @Field(() => Date, { nullable: true })
  endTime!: Date | null;
}

@ObjectType({ description: 'A page of the client log overview.' })
export class ClientLogOverviewPage extends PageOf(ClientLogOverviewObject) {}

@ObjectType('TaskHistory', { description: 'One task execution on one client, newest first.' })
export class TaskHistoryObject {
  @Field(() => Int, { name: 'taskResultId' })
  taskResultId!: number;

  @Field()
  reportId!: string;

  @Field(() => Int)
  jobId!: number;

  @Field()
  jobName!: string;

  @Field(() => Int)
  taskId!: number;

  @Field()
  taskName!: string;

  @Field(() => Int)
  clientId!: number;

  @Field()
  mqttClientId!: string;

  @Field(() => Boolean, { nullable: true, description: "The task's current switch; null once the task is deleted." })
  enabled!: boolean | null;

  // A whole script in one value: costed as the largest script's steps (src/graphql/cost.ts).
  @Field(() => GraphQLJSON, { nullable: true, complexity: MAX_SCRIPT_STEPS * SCRIPT_STEP_COST, description: 'The script as it was run (a tree of steps).' })
  taskScript!: unknown;

  @Field(() => Int)
  priority!: number;

  @Field(() => ExecutionStatus)
  status!: ExecutionStatus;

  @Field(() => Date, { description: 'When the task ended, else started, else when the report was created.' })
  ts!: Date;
}

@ObjectType({ description: 'A page of task history.' })
export class TaskHistoryPage extends PageOf(TaskHistoryObject) {}

@InputType({ description: 'Filters of runs, reports and task results. status ALL is the same as leaving it out.' })
export class ExecutionFilterInput {
  @Field(() => ExecutionStatus, { nullable: true })
  status?: ExecutionStatus | null;

  @Field(() => Date, { nullable: true, description: 'Only runs started at or after this instant.' })
  startedAfter?: Date | null;

  @Field(() => Int, { nullable: true })
  jobId?: number | null;

  @Field(() => Int, { nullable: true })
  runId?: number | null;

  @Field(() => Int, { nullable: true })
  clientId?: number | null;

  @Field(() => String, { nullable: true })
  reportId?: string | null;

  @Field(() => Int, { nullable: true })
  taskId?: number | null;
}

@InputType({ description: 'Filters of the task history.' })
export class TaskHistoryFilterInput {
  @Field(() => String, { nullable: true })
  mqttClientId?: string | null;

  @Field(() => Int, { nullable: true })
  clientId?: number | null;

  @Field(() => String, { nullable: true, description: 'Task name equals.' })
  taskName?: string | null;

  @Field(() => String, { nullable: true, description: 'Task name contains (case-insensitive).' })
  taskNameContains?: string | null;

  @Field(() => Int, { nullable: true })
  taskId?: number | null;

  @Field(() => ExecutionStatus, { nullable: true })
  status?: ExecutionStatus | null;

  @Field(() => Date, { nullable: true })
  startedAfter?: Date | null;
}
