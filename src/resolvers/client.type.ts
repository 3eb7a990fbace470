import { Field, Int, ObjectType } from 'type-graphql';
import { PageOf } from './common.type';
import { AttributeType, ClientRole, ClientStatus } from './enums';

@ObjectType('Client', { description: 'One agent of the fleet, known by its MQTT client id. Relations and counts are batched per request.' })
export class ClientType {
  @Field(() => Int)
  id!: number;

  @Field({ description: 'The MQTT client id the agent connects with; unique.' })
  mqttClientId!: string;

  @Field(() => String, { nullable: true, description: 'The MQTT username of the agent.' })
  username!: string | null;

  @Field(() => String, { nullable: true, description: 'The address the agent last connected from.' })
  ip!: string | null;

  @Field(() => String, { nullable: true })
  hostname!: string | null;

  @Field(() => String, { nullable: true })
  agentVersion!: string | null;

  @Field(() => ClientRole)
  role!: ClientRole;

  @Field(() => Boolean, {
    name: 'enabled',
    description: 'Disabled clients are skipped by runs. New agents start enabled only when the client setting autoEnableNewClient is true.',
  })
  enable!: boolean;

  @Field(() => ClientStatus)
  status!: ClientStatus;

  @Field(() => Date, { nullable: true })
  connectedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  disconnectedAt!: Date | null;

  @Field(() => Date, { description: 'When the client was registered (first connection or created by an operator).' })
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;
}

@ObjectType({ description: 'A page of clients.' })
export class ClientPage extends PageOf(ClientType) {}

@ObjectType('ClientAttribute', { description: "One attribute definition with this client's value (the default when the client has none)." })
export class ClientAttributeType {
  @Field(() => Int)
  attributeId!: number;

  @Field({ description: 'The attribute name.' })
  attributeName!: string;

  @Field(() => AttributeType)
  type!: AttributeType;

  @Field(() => String, { nullable: true, name: 'value', description: "The client's value, or the attribute's default." })
  attributeValue!: string | null;

  @Field()
  display!: boolean;

  @Field()
  readOnly!: boolean;
}
