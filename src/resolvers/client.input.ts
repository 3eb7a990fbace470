import { Field, InputType, Int } from 'type-graphql';
import { TimeRangeInput } from './common.type';
import { ClientRole, ClientStatus } from './enums';

@InputType({ description: 'Filters of the client list, as the REST document offers them; all given filters must hold.' })
export class ClientFilterInput {
  @Field(() => Int, { nullable: true })
  id?: number | null;

  @Field(() => String, { nullable: true, description: 'Username equals.' })
  username?: string | null;

  @Field(() => String, { nullable: true, description: 'Username contains (case-insensitive).' })
  usernameContains?: string | null;

  @Field(() => [String], { nullable: true, description: 'MQTT client id is one of these.' })
  mqttClientId?: string[] | null;

  @Field(() => String, { nullable: true, description: 'MQTT client id contains (case-insensitive).' })
  mqttClientIdContains?: string | null;

  @Field(() => ClientStatus, { nullable: true })
  status?: ClientStatus | null;

  @Field(() => Boolean, { nullable: true })
  enabled?: boolean | null;

  @Field(() => ClientRole, { nullable: true })
  role?: ClientRole | null;

  @Field(() => TimeRangeInput, { nullable: true })
  connectedAt?: TimeRangeInput | null;

  @Field(() => TimeRangeInput, { nullable: true })
  disconnectedAt?: TimeRangeInput | null;

  @Field(() => TimeRangeInput, { nullable: true })
  createdAt?: TimeRangeInput | null;

  @Field(() => Int, { nullable: true, description: 'Only members of this group (static or dynamic).' })
  groupId?: number | null;

  @Field(() => Int, { nullable: true, description: 'Only clients this job is aimed at directly.' })
  jobId?: number | null;

  @Field(() => Int, { nullable: true, description: 'Only clients this job reaches (directly or through its groups).' })
  targetOfJobId?: number | null;

  @Field(() => Int, { nullable: true, description: 'Only clients that a job with this task reaches.' })
  taskId?: number | null;
}

@InputType({ description: 'A client registered by an operator (agents that connect are registered on their own).' })
export class CreateClientInput {
  @Field()
  mqttClientId!: string;

  @Field(() => String, { nullable: true })
  username?: string | null;

  @Field(() => String, { nullable: true })
  ip?: string | null;

  @Field(() => ClientRole, { nullable: true, description: 'Default STORE.' })
  role?: ClientRole | null;

  @Field(() => Boolean, { nullable: true, description: 'Default false.' })
  enabled?: boolean | null;

  @Field(() => ClientStatus, { nullable: true, description: 'Default OFFLINE; the live connection state overrides it.' })
  status?: ClientStatus | null;

  @Field(() => Date, { nullable: true })
  connectedAt?: Date | null;

  @Field(() => Date, { nullable: true })
  disconnectedAt?: Date | null;
}

@InputType({ description: 'Changes to a client; fields left out stay as they are.' })
export class UpdateClientInput {
  @Field(() => Int)
  id!: number;

  @Field(() => String, { nullable: true })
  mqttClientId?: string | null;

  @Field(() => String, { nullable: true })
  username?: string | null;

  @Field(() => String, { nullable: true })
  ip?: string | null;

  @Field(() => ClientRole, { nullable: true })
  role?: ClientRole | null;

  @Field(() => Boolean, { nullable: true })
  enabled?: boolean | null;

  @Field(() => ClientStatus, { nullable: true })
  status?: ClientStatus | null;

  @Field(() => Date, { nullable: true })
  connectedAt?: Date | null;

  @Field(() => Date, { nullable: true })
  disconnectedAt?: Date | null;
}

@InputType({ description: "A value for one of the client's attributes; null clears it (the default applies again)." })
export class ClientAttributeValueInput {
  @Field(() => Int)
  attributeId!: number;

  @Field(() => String, { nullable: true })
  value?: string | null;
}
