import { Field, InputType, Int } from 'type-graphql';
import { EditableFilterInput } from './common.type';

@InputType({ description: 'Filters of the task list, as the REST document offers them; all given filters must hold.' })
export class TaskFilterInput extends EditableFilterInput {
  @Field(() => Int, { nullable: true, description: 'Only the tasks of this job, in job order.' })
  jobId?: number | null;

  @Field(() => Int, { nullable: true, description: 'Only the tasks of the jobs that reach this client.' })
  clientId?: number | null;
}

@InputType({ description: 'A new task. Left out: enabled, priority and disableValidation from the task settings.' })
export class CreateTaskInput {
  @Field()
  name!: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => Int, { nullable: true })
  priority?: number | null;

  @Field(() => Boolean, { nullable: true })
  enabled?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  disableValidation?: boolean | null;
}

@InputType({ description: 'Changes to a task; fields left out stay as they are.' })
export class UpdateTaskInput {
  @Field(() => Int)
  id!: number;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => Int, { nullable: true })
  priority?: number | null;

  @Field(() => Boolean, { nullable: true })
  enabled?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  disableValidation?: boolean | null;
}
