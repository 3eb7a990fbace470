import { GraphQLSafeInt } from 'graphql-scalars';
import { ArgsType, Field, Int, ObjectType } from 'type-graphql';
import { ChangeAction, ClientStatus, EntityKind, ExecutionLevel, ExecutionStatus } from './enums';

@ObjectType({ description: 'A configuration object was created, updated or deleted.' })
export class EntityChange {
  @Field(() => EntityKind)
  entity!: EntityKind;

  @Field(() => ChangeAction)
  action!: ChangeAction;

  @Field(() => Int, { description: 'The id of the object (of the settings row for SETTINGS).' })
  id!: number;

  @Field(() => Date)
  at!: Date;
}

@ArgsType()
export class EntityChangedArgs {
  @Field(() => [EntityKind], { nullable: true, description: 'Only these kinds (default: all).' })
  entities?: EntityKind[] | null;

  @Field(() => [ChangeAction], { nullable: true, description: 'Only these actions (default: all).' })
  actions?: ChangeAction[] | null;

  @Field(() => Int, { nullable: true, description: 'Only this object.' })
  id?: number | null;
}

@ObjectType({ description: 'A client connected or disconnected.' })
export class ClientStatusChange {
  @Field(() => Int)
  clientId!: number;

  @Field()
  mqttClientId!: string;

  @Field(() => ClientStatus)
  status!: ClientStatus;

  @Field(() => Date)
  at!: Date;
}

@ArgsType()
export class ClientStatusArgs {
  @Field(() => Int, { nullable: true })
  clientId?: number | null;

  @Field(() => String, { nullable: true })
  mqttClientId?: string | null;
}

@ObjectType({ description: 'Progress of one level of an execution: the run, a report, a task result or a step result.' })
export class ExecutionProgress {
  @Field(() => ExecutionLevel)
  level!: ExecutionLevel;

  @Field(() => Int)
  runId!: number;

  @Field(() => Int)
  jobId!: number;

  @Field(() => String, { nullable: true })
  reportId?: string | null;

  @Field(() => Int, { nullable: true })
  clientId?: number | null;

  @Field(() => Int, { nullable: true })
  taskId?: number | null;

  @Field(() => Int, { nullable: true })
  stepId?: number | null;

  @Field(() => ExecutionStatus)
  status!: ExecutionStatus;

  @Field(() => Date, { nullable: true })
  startTime?: Date | null;

  @Field(() => Date, { nullable: true })
  endTime?: Date | null;

  @Field(() => Date)
  at!: Date;
}

@ArgsType()
export class ExecutionProgressArgs {
  @Field(() => Int, { nullable: true })
  jobId?: number | null;

  @Field(() => Int, { nullable: true })
  runId?: number | null;

  @Field(() => Int, { nullable: true })
  clientId?: number | null;

  @Field(() => [ExecutionLevel], { nullable: true, description: 'Only these levels (default: all).' })
  levels?: ExecutionLevel[] | null;
}

@ObjectType('StepMessageEvent', { description: 'A timed message of a running step (START, output lines, the result).' })
export class StepMessageEventType {
  @Field(() => Int)
  runId!: number;

  @Field(() => Int)
  jobId!: number;

  @Field()
  reportId!: string;

  @Field(() => Int)
  clientId!: number;

  @Field(() => Int)
  taskId!: number;

  @Field(() => Int)
  stepId!: number;

  @Field(() => Date)
  startTime!: Date;

  @Field(() => Date)
  endTime!: Date;

  @Field()
  message!: string;
}

@ArgsType()
export class StepMessageArgs {
  @Field(() => Int, { nullable: true })
  jobId?: number | null;

  @Field(() => Int, { nullable: true })
  runId?: number | null;

  @Field(() => String, { nullable: true })
  reportId?: string | null;

  @Field(() => Int, { nullable: true })
  clientId?: number | null;

  @Field(() => Int, { nullable: true })
  taskId?: number | null;
}

@ObjectType('TransferProgress', {
  description: 'Bytes of one file moving between an agent and the file store (at most one event a second per file, and a final one).',
})
export class TransferProgressType {
  @Field(() => Int)
  fileId!: number;

  @Field()
  name!: string;

  @Field({ description: 'UPLOAD: an agent sends it into the store; DOWNLOAD: the store serves it to an agent.' })
  direction!: string;

  @Field({ description: 'The agent sending (UPLOAD) or receiving (DOWNLOAD).' })
  mqttClientId!: string;

  @Field(() => String, { nullable: true, description: 'The report whose step uploads it (uploads only).' })
  reportId!: string | null;

  @Field(() => GraphQLSafeInt)
  bytes!: number;

  @Field(() => GraphQLSafeInt)
  size!: number;

  @Field(() => GraphQLSafeInt, { description: 'Bytes per second since the transfer began.' })
  rate!: number;

  @Field()
  done!: boolean;

  @Field(() => Date)
  at!: Date;
}

@ArgsType()
export class TransferProgressArgs {
  @Field(() => String, { nullable: true, description: 'Only this agent.' })
  mqttClientId?: string | null;

  @Field(() => Int, { nullable: true, description: 'Only this stored file.' })
  fileId?: number | null;
}
