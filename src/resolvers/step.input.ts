import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, InputType, Int } from 'type-graphql';
import { OverwriteMode, StepType } from './enums';

/**
 * One step of a script to save; the fields mean what they mean on Step. The service checks the
 * whole tree before anything is written (required paths per type, IF shape) and names the step
 * at fault by its position, e.g. `[0].true[1].filePath`.
 */
@InputType({ description: "A step of a script to save (see Step for the fields). Give id to keep an existing step's id." })
export class StepInput {
  @Field(() => Int, { nullable: true, description: 'An existing step of this task to keep (its id stays the same); leave out for a new step.' })
  id?: number | null;

  @Field(() => StepType)
  type!: StepType;

  @Field(() => Int, { nullable: true, description: 'Default: its position in the list.' })
  order?: number | null;

  @Field(() => Boolean, { nullable: true, description: 'Default true.' })
  block?: boolean | null;

  @Field(() => Int, { nullable: true })
  retryTimes?: number | null;

  @Field(() => Int, { nullable: true })
  retryInterval?: number | null;

  @Field(() => Int, { nullable: true })
  maxRetryTime?: number | null;

  @Field(() => String, { nullable: true })
  filePath?: string | null;

  @Field(() => String, { nullable: true })
  targetFilePath?: string | null;

  @Field(() => Boolean, { nullable: true })
  createFilePath?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  ignoreHiddenFile?: boolean | null;

  @Field(() => OverwriteMode, { nullable: true })
  overWrite?: OverwriteMode | null;

  @Field(() => Int, { nullable: true })
  interval?: number | null;

  @Field(() => Int, { nullable: true })
  timeOut?: number | null;

  @Field(() => Int, { nullable: true })
  duration?: number | null;

  @Field(() => Boolean, { nullable: true })
  compressFile?: boolean | null;

  @Field(() => [Int], { nullable: true })
  groups?: number[] | null;

  @Field(() => GraphQLJSONObject, { nullable: true })
  transferOption?: Record<string, unknown> | null;

  @Field(() => Int, { nullable: true })
  recvFileScriptId?: number | null;

  @Field(() => [StepInput], { nullable: true })
  conditions?: StepInput[] | null;

  @Field(() => [StepInput], { nullable: true })
  whenTrue?: StepInput[] | null;

  @Field(() => [StepInput], { nullable: true })
  whenFalse?: StepInput[] | null;
}
