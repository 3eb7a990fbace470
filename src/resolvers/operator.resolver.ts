import { Arg, Args, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { ApiKey, User } from '../entities';
import type { GraphqlContext } from '../graphql/context';
import { Requires } from '../graphql/requires';
import { checkPageArgs, defined, PageArgs, pageRequest, toPage } from './common.type';
import {
  ApiKeyCreated,
  ApiKeyObject,
  ApiKeyPage,
  AuditFilterInput,
  AuditPage,
  CreateUserInput,
  LoginArgs,
  LoginResult,
  Me,
  OperatorRole,
  UpdateUserInput,
  UserObject,
  UserPage,
} from './operator.type';

/** Logging in and out, accounts, API keys and the audit log: the same services as /v1/auth, /v1/users, /v1/apikeys, /v1/audit. */
@Resolver()
export class OperatorResolver {
  @Requires('public')
  @Mutation(() => LoginResult, {
    description: 'Opens a session. UNAUTHENTICATED for a wrong username or password, FORBIDDEN when banned, RATE_LIMITED after too many failures.',
  })
  async login(@Args() { username, password }: LoginArgs, @Ctx() { services }: GraphqlContext): Promise<LoginResult> {
    const { token, expiresAt, user } = await services.sessions.login(username, password);
    return { token, expiresAt, user: user as unknown as UserObject };
  }

  @Requires('session')
  @Mutation(() => Boolean, { description: "Ends this request's session (false for an API key); its WebSockets close." })
  logout(@Ctx() { services }: GraphqlContext): Promise<boolean> {
    return services.sessions.logout();
  }

  @Requires('session')
  @Query(() => Me, { description: 'Who the credential of this request stands for.' })
  me(@Ctx() { services }: GraphqlContext): Me {
    const actor = services.ctx.actor!;
    const name = actor.kind === 'user' ? actor.username : actor.kind === 'apikey' ? actor.name : actor.kind;
    return { kind: actor.kind, name, role: actor.role as OperatorRole };
  }

  @Requires('password.change')
  @Mutation(() => Boolean, { description: "Changes the caller's own password; the account's other sessions end." })
  async changePassword(
    @Arg('currentPassword') currentPassword: string,
    @Arg('newPassword') newPassword: string,
    @Ctx() { services }: GraphqlContext,
  ): Promise<boolean> {
    await services.users.changeOwnPassword(currentPassword, newPassword);
    return true;
  }

  @Requires('accounts.read')
  @Query(() => UserPage, { description: "Operators' accounts, by id." })
  async users(@Args({ validateFn: checkPageArgs }) page: PageArgs, @Ctx() { services }: GraphqlContext) {
    return toPage(await services.users.list(pageRequest(page)), page);
  }

  @Requires('accounts.manage')
  @Mutation(() => UserObject)
  createUser(@Arg('input') input: CreateUserInput, @Ctx() { services }: GraphqlContext): Promise<User> {
    return services.users.create(defined(input));
  }

  @Requires('accounts.manage')
  @Mutation(() => UserObject, {
    description: "Changes role, banned, password. Banning or a new password ends the user's sessions; the last admin stays an admin (CONFLICT).",
  })
  updateUser(@Arg('id', () => Int) id: number, @Arg('input') input: UpdateUserInput, @Ctx() { services }: GraphqlContext): Promise<User> {
    return services.users.update(id, defined(input));
  }

  @Requires('accounts.manage')
  @Mutation(() => Boolean, { description: 'Deletes an account and its sessions; not your own, nor the last admin (CONFLICT).' })
  async deleteUser(@Arg('id', () => Int) id: number, @Ctx() { services }: GraphqlContext): Promise<boolean> {
    await services.users.delete(id);
    return true;
  }

  @Requires('accounts.read')
  @Query(() => ApiKeyPage, { description: 'Newest first, revoked ones too.' })
  async apiKeys(@Args({ validateFn: checkPageArgs }) page: PageArgs, @Ctx() { services }: GraphqlContext) {
    return toPage(await services.apiKeys.list(pageRequest(page)), page);
  }

  @Requires('accounts.manage')
  @Mutation(() => ApiKeyCreated, { description: 'The secret is shown this once. Role default OPERATOR.' })
  async createApiKey(
    @Arg('name') name: string,
    @Arg('role', () => OperatorRole, { nullable: true }) role: OperatorRole | null,
    @Ctx() { services }: GraphqlContext,
  ): Promise<ApiKeyCreated> {
    const { apiKey, secret } = await services.apiKeys.create({ name, role: role ?? undefined });
    return { apiKey: apiKey as unknown as ApiKeyObject, secret };
  }

  @Requires('accounts.manage')
  @Mutation(() => ApiKeyObject, { description: 'The key stops working at once; revoking twice is not an error.' })
  revokeApiKey(@Arg('keyId') keyId: string, @Ctx() { services }: GraphqlContext): Promise<ApiKey> {
    return services.apiKeys.revoke(keyId);
  }

  @Requires('audit.read')
  @Query(() => AuditPage, { description: 'Logins, logouts and every change, refused ones too; newest first.' })
  async auditLog(
    @Arg('filter', () => AuditFilterInput, { nullable: true }) filter: AuditFilterInput | null,
    @Args({ validateFn: checkPageArgs }) page: PageArgs,
    @Ctx() { services }: GraphqlContext,
  ) {
    const f = defined(filter ?? {});
    return toPage(await services.audit.list(f, pageRequest(page)), page);
  }
}
