import { Arg, Ctx, Field, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { GraphqlContext } from '../graphql/context';
import { Requires } from '../graphql/requires';
import type { AgentCredentialInfo } from '../services/agent-credential.service';
import type { EnrolmentTokenInfo } from '../services/enrolment-token.service';

@ObjectType('AgentCredential', { description: "An agent's own broker credential, given at enrolment (docs/protocol.md 9.1); never its secret." })
export class AgentCredentialObject {
  @Field({ description: 'The MQTT client id it belongs to.' })
  mqttClientId!: string;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: 'Set once revoked: the broker refuses the agent, the gateway drops its messages.' })
  revokedAt!: Date | null;

  @Field(() => String, { nullable: true })
  revokedBy!: string | null;
}

/** Agents' credentials: thin over AgentCredentialService. */
@Resolver()
export class AgentCredentialResolver {
  @Requires('agents.read')
  @Query(() => [AgentCredentialObject], { description: "Every enrolled agent's credential, revoked ones too, by client id." })
  agentCredentials(@Ctx() { services }: GraphqlContext): Promise<AgentCredentialInfo[]> {
    return services.agentCredentials.list();
  }

  @Requires('agents.manage')
  @Mutation(() => AgentCredentialObject, {
    description: "Revokes an agent's credential: the broker closes its connection and refuses it; revoking twice is not an error.",
  })
  revokeAgentCredential(@Arg('mqttClientId') mqttClientId: string, @Ctx() { services }: GraphqlContext): Promise<AgentCredentialInfo> {
    return services.agentCredentials.revoke(mqttClientId);
  }

  @Requires('agents.manage')
  @Mutation(() => Boolean, { description: 'Deletes a revoked credential, so that the client id may enrol again.' })
  async deleteAgentCredential(@Arg('mqttClientId') mqttClientId: string, @Ctx() { services }: GraphqlContext): Promise<boolean> {
    await services.agentCredentials.remove(mqttClientId);
    return true;
  }
}

@ObjectType('EnrolmentToken', {
  description: 'A token agents enrol with (docs/protocol.md 9.1), beside SDES_ENROLMENT_TOKEN; never shown again after creation.',
})
export class EnrolmentTokenObject {
  @Field(() => Int)
  id!: number;

  @Field()
  name!: string;

  @Field()
  createdBy!: string;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  revokedAt!: Date | null;
}

@ObjectType({ description: 'A new enrolment token and its secret, shown this once.' })
export class EnrolmentTokenCreated {
  @Field(() => EnrolmentTokenObject)
  token!: EnrolmentTokenObject;

  @Field({ description: 'Pass it to agents as --enrolment-token (or SDES_ENROLMENT_TOKEN).' })
  secret!: string;
}

/** Enrolment tokens: thin over EnrolmentTokenService. */
@Resolver()
export class EnrolmentTokenResolver {
  @Requires('agents.read')
  @Query(() => [EnrolmentTokenObject], { description: 'Enrolment tokens admins created, newest first, revoked ones too.' })
  enrolmentTokens(@Ctx() { services }: GraphqlContext): Promise<EnrolmentTokenInfo[]> {
    return services.enrolmentTokens.list();
  }

  @Requires('agents.manage')
  @Mutation(() => EnrolmentTokenCreated, { description: 'The secret is shown this once.' })
  createEnrolmentToken(@Arg('name') name: string, @Ctx() { services }: GraphqlContext): Promise<EnrolmentTokenCreated> {
    return services.enrolmentTokens.create({ name });
  }

  @Requires('agents.manage')
  @Mutation(() => EnrolmentTokenObject, { description: 'Agents can no longer enrol with it; those enrolled keep their credentials.' })
  revokeEnrolmentToken(@Arg('id', () => Int) id: number, @Ctx() { services }: GraphqlContext): Promise<EnrolmentTokenInfo> {
    return services.enrolmentTokens.revoke(id);
  }
}
