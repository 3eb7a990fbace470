import { Field, Int, ObjectType } from 'type-graphql';
import { PageOf } from './common.type';

@ObjectType('Task', { description: 'An ordered script of file steps, run by the clients of the jobs it belongs to.' })
export class TaskObject {
  @Field(() => Int)
  id!: number;

  @Field()
  name!: string;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field(() => Int)
  priority!: number;

  @Field({ description: 'Disabled tasks are skipped by runs.' })
  enabled!: boolean;

  @Field({ description: 'true: the agent does not validate the result (targets written, checksums equal) after the task.' })
  disableValidation!: boolean;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  lastEditedAt!: Date;

  @Field(() => Date, { nullable: true })
  lastRunAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the jobs it belongs to last changed.' })
  assignmentsChangedAt!: Date | null;
}

@ObjectType({ description: 'A page of tasks.' })
export class TaskPage extends PageOf(TaskObject) {}
