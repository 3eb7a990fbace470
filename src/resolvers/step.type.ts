import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Int, ObjectType } from 'type-graphql';
import { OverwriteMode, StepType } from './enums';

@ObjectType('Step', {
  description:
    'One step of a task script. Every type has type, order, block and the retry options; the other fields apply to the types named in their descriptions. An IF step holds conditions, whenTrue and whenFalse.',
})
export class StepObject {
  @Field(() => Int, { name: 'id', description: 'The step\'s stable id (the REST "scriptId"); execution records refer to it.' })
  scriptId!: number;

  @Field(() => StepType)
  type!: StepType;

  @Field(() => Int, { description: 'Position among its siblings.' })
  order!: number;

  @Field({ description: 'true: a failure ends the task as FAILED; false: it is logged and the task goes on.' })
  block!: boolean;

  @Field(() => Int, { nullable: true, description: 'Attempts (default 4).' })
  retryTimes!: number | null;

  @Field(() => Int, { nullable: true, description: 'Seconds between attempts (default 20).' })
  retryInterval!: number | null;

  @Field(() => Int, { nullable: true, description: 'Longest time to keep retrying, seconds (instead of retryTimes).' })
  maxRetryTime!: number | null;

  @Field(() => String, {
    nullable: true,
    description: "The source path on the agent (every type but IF and RECV_FILE); may end in a * wildcard; relative paths start at the agent's first root.",
  })
  filePath!: string | null;

  @Field(() => String, { nullable: true, description: 'COPY_FILE, RECV_FILE: the target path.' })
  targetFilePath!: string | null;

  @Field(() => Boolean, { nullable: true, description: 'Transfers: create missing folders of the target.' })
  createFilePath!: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'DELETE_FILE and transfers: leave dot-files alone.' })
  ignoreHiddenFile!: boolean | null;

  @Field(() => OverwriteMode, { nullable: true, description: 'Transfers: what to do with an existing target.' })
  overWrite!: OverwriteMode | null;

  @Field(() => Int, { nullable: true, description: 'WAIT_FLAG_FILE: polling interval, ms.' })
  interval!: number | null;

  @Field(() => Int, { nullable: true, description: 'WAIT_FLAG_FILE: time-out, ms.' })
  timeOut!: number | null;

  @Field(() => Int, { nullable: true, description: 'EXECUTE_FILE: the longest the program may run, seconds.' })
  duration!: number | null;

  @Field(() => Boolean, { nullable: true, description: 'Transfers: compress in transit.' })
  compressFile!: boolean | null;

  @Field(() => [Int], { nullable: true, description: 'BROADCAST: the ids of the target store groups.' })
  groups!: number[] | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Transfer options, kept as given.' })
  transferOption!: Record<string, unknown> | null;

  @Field(() => Int, { nullable: true, description: 'SEND_FILE: the id of the paired RECV_FILE step.' })
  recvFileScriptId!: number | null;

  @Field(() => [StepObject], { nullable: true, description: 'IF: GET_FILE_STATUS steps that must all hold.' })
  conditions?: StepObject[];

  @Field(() => [StepObject], { name: 'whenTrue', nullable: true, description: 'IF: the steps run when the conditions hold (the REST "true" list).' })
  true?: StepObject[];

  @Field(() => [StepObject], { name: 'whenFalse', nullable: true, description: 'IF: the steps run otherwise (the REST "false" list).' })
  false?: StepObject[];
}
