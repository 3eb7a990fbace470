import { Field, InputType, Int } from 'type-graphql';
import { TimeRangeInput } from './common.type';
import { GroupQueryOperation, GroupType } from './enums';

@InputType({ description: 'Filters of the group list; all given filters must hold.' })
export class GroupFilterInput {
  @Field(() => String, { nullable: true, description: 'Name equals.' })
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'Name contains (case-insensitive).' })
  nameContains?: string | null;

  @Field(() => GroupType, { nullable: true })
  type?: GroupType | null;

  @Field(() => Boolean, { nullable: true })
  enabled?: boolean | null;

  @Field(() => TimeRangeInput, { nullable: true })
  lastEditedAt?: TimeRangeInput | null;

  @Field(() => TimeRangeInput, { nullable: true })
  createdAt?: TimeRangeInput | null;

  @Field(() => Int, { nullable: true, description: 'Only groups this client belongs to.' })
  clientId?: number | null;

  @Field(() => Int, { nullable: true, description: 'Only groups this job is aimed at.' })
  jobId?: number | null;
}

@InputType({ description: 'A new group. A DYNAMIC group needs queryProperty, queryOperation and queryValue.' })
export class CreateGroupInput {
  @Field()
  name!: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => GroupType, { defaultValue: GroupType.STATIC })
  type: GroupType = GroupType.STATIC;

  @Field({ defaultValue: true })
  enabled: boolean = true;

  @Field(() => String, { nullable: true })
  queryProperty?: string | null;

  @Field(() => GroupQueryOperation, { nullable: true })
  queryOperation?: GroupQueryOperation | null;

  @Field(() => String, { nullable: true })
  queryValue?: string | null;
}

@InputType({ description: 'Changes to a group; fields left out stay as they are. A new query re-evaluates the members at once.' })
export class UpdateGroupInput {
  @Field(() => Int)
  id!: number;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => GroupType, { nullable: true, description: 'Turning a group STATIC keeps its current members as bound ones.' })
  type?: GroupType | null;

  @Field(() => Boolean, { nullable: true })
  enabled?: boolean | null;

  @Field(() => String, { nullable: true })
  queryProperty?: string | null;

  @Field(() => GroupQueryOperation, { nullable: true })
  queryOperation?: GroupQueryOperation | null;

  @Field(() => String, { nullable: true })
  queryValue?: string | null;
}

@InputType({ description: "A dynamic group's query, to preview before saving it (groupQueryPreview)." })
export class GroupQueryInput {
  @Field({ description: 'A client field (mqttClientId, username, ip, role, status, ...) or an attribute name.' })
  queryProperty!: string;

  @Field(() => GroupQueryOperation)
  queryOperation!: GroupQueryOperation;

  @Field({ description: 'IN: a comma-separated list or a JSON array; GT..LE: numbers compare as numbers.' })
  queryValue!: string;
}
