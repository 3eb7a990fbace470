import { GraphQLJSONObject } from 'graphql-scalars';
import { ArgsType, Field, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PageOf } from './common.type';

export enum OperatorRole {
  ADMIN = 'admin',
  OPERATOR = 'operator',
  VIEWER = 'viewer',
}
registerEnumType(OperatorRole, {
  name: 'OperatorRole',
  description: 'ADMIN: everything, accounts and settings; OPERATOR: tasks, jobs, groups, clients, runs, files; VIEWER: read only (docs/security.md).',
});

@ObjectType('User', { description: "An operator's account." })
export class UserObject {
  @Field(() => Int)
  id!: number;

  @Field()
  username!: string;

  @Field(() => OperatorRole)
  role!: OperatorRole;

  @Field({ description: 'A banned account cannot log in; its sessions ended when it was banned.' })
  banned!: boolean;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  passwordChangedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  lastLoginAt!: Date | null;
}

@ObjectType({ description: 'A page of users.' })
export class UserPage extends PageOf(UserObject) {}

@ObjectType({ description: 'A new session: send the token as `Authorization: Bearer <token>` (over WebSocket: connection_init `{authorization}`).' })
export class LoginResult {
  @Field()
  token!: string;

  @Field(() => Date, { description: 'When the session ends unless a request comes before (adminTimeOut minutes after the last one).' })
  expiresAt!: Date;

  @Field(() => UserObject)
  user!: UserObject;
}

@ObjectType({ description: 'Who the credential of this request stands for.' })
export class Me {
  @Field({ description: 'user or apikey.' })
  kind!: string;

  @Field({ description: 'The username, or the API key name.' })
  name!: string;

  @Field(() => OperatorRole)
  role!: OperatorRole;
}

@ObjectType('ApiKey', { description: 'A credential for scripts: keyId:secret as HTTP Basic or Bearer.' })
export class ApiKeyObject {
  @Field()
  keyId!: string;

  @Field()
  name!: string;

  @Field(() => OperatorRole)
  role!: OperatorRole;

  @Field()
  createdBy!: string;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  lastUsedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  revokedAt!: Date | null;
}

@ObjectType({ description: 'A page of API keys.' })
export class ApiKeyPage extends PageOf(ApiKeyObject) {}

@ObjectType({ description: 'A new API key with its secret, shown this once.' })
export class ApiKeyCreated {
  @Field(() => ApiKeyObject)
  apiKey!: ApiKeyObject;

  @Field()
  secret!: string;
}

@ObjectType('AuditEntry', { description: 'One line of the audit log.' })
export class AuditEntryObject {
  @Field(() => String, { description: 'A bigint, as a string.' })
  id!: string;

  @Field(() => Date)
  at!: Date;

  @Field({ description: 'user, apikey, cli, anonymous or gateway.' })
  actorKind!: string;

  @Field({ description: 'The username, apikey:<name>, cli:<os user>, anonymous or gateway.' })
  actor!: string;

  @Field(() => String, { nullable: true })
  role!: string | null;

  @Field(() => String, { nullable: true })
  address!: string | null;

  @Field({ description: 'rest, graphql, graphql-ws, cli or gateway.' })
  door!: string;

  @Field({ description: 'auth.login, auth.logout, a GraphQL root field or a REST route.' })
  action!: string;

  @Field({ description: 'ok, denied or failed.' })
  outcome!: string;

  @Field(() => String, { nullable: true })
  errorCode!: string | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'The input, secrets replaced by "***".' })
  detail!: Record<string, unknown> | null;
}

@ObjectType({ description: 'A page of audit entries, newest first.' })
export class AuditPage extends PageOf(AuditEntryObject) {}

@InputType()
export class CreateUserInput {
  @Field()
  username!: string;

  @Field()
  password!: string;

  @Field(() => OperatorRole, { nullable: true, description: 'Default VIEWER.' })
  role?: OperatorRole | null;
}

@InputType()
export class UpdateUserInput {
  @Field(() => OperatorRole, { nullable: true })
  role?: OperatorRole | null;

  @Field(() => Boolean, { nullable: true })
  banned?: boolean | null;

  @Field(() => String, { nullable: true })
  password?: string | null;
}

@InputType()
export class AuditFilterInput {
  @Field(() => String, { nullable: true })
  actor?: string | null;

  @Field(() => String, { nullable: true, description: 'An exact action, or a prefix ending in * (auth.*).' })
  action?: string | null;

  @Field(() => String, { nullable: true, description: 'ok, denied or failed.' })
  outcome?: string | null;

  @Field(() => Date, { nullable: true })
  since?: Date | null;

  @Field(() => Date, { nullable: true })
  until?: Date | null;
}

@ArgsType()
export class LoginArgs {
  @Field()
  username!: string;

  @Field()
  password!: string;
}
