import { Arg, Ctx, Field, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { GraphqlContext } from '../graphql/context';
import { Requires } from '../graphql/requires';
import type { AgentCredentialInfo } from '../services/agent-credential.service';

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
