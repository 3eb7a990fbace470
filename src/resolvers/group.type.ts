import { Field, Int, ObjectType } from 'type-graphql';
import { PageOf } from './common.type';
import type { Client } from '../entities';
import { ClientType } from './client.type';
import { GroupType } from './enums';

@ObjectType('Group', {
  description:
    'A set of clients: static groups hold the members operators bound, dynamic groups the clients matching queryProperty queryOperation queryValue (kept up to date as clients and attribute values change).',
})
export class GroupObject {
  @Field(() => Int)
  id!: number;

  @Field()
  name!: string;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field(() => GroupType)
  type!: GroupType;

  @Field()
  enabled!: boolean;

  @Field(() => String, { nullable: true, description: 'Dynamic groups: a client field (mqttClientId, username, ip, role, status, ...) or an attribute name.' })
  queryProperty!: string | null;

  @Field(() => String, { nullable: true, description: 'Dynamic groups: EQ, NE, CONTAINS, STARTS_WITH, ENDS_WITH, IN, GT, GE, LT or LE.' })
  queryOperation!: string | null;

  @Field(() => String, { nullable: true })
  queryValue!: string | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  lastEditedAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When the jobs aimed at it last changed.' })
  assignmentsChangedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When its members last changed.' })
  membershipChangedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When a dynamic group was last evaluated.' })
  lastRefreshedAt!: Date | null;
}

@ObjectType({ description: 'A page of groups.' })
export class GroupPage extends PageOf(GroupObject) {}

@ObjectType('GroupQueryPreview', { description: 'The clients a dynamic group with this query would hold now; nothing is saved.' })
export class GroupQueryPreviewObject {
  @Field(() => Int)
  totalCount!: number;

  @Field(() => [ClientType], { description: 'The first matching clients, by id.' })
  clients!: Client[];
}
