import { enrolCredentialTopic, enrolRequestTopic } from './enrolment';
import { parseTransferSessionTopic, TOPIC_ROOT } from './protocol.topics';

/**
 * Who a broker connection is, once authenticated (docs/protocol.md 9): a gateway (the
 * installation's own identity: every topic), an enrolled agent (its own subtree), or an agent
 * enrolling (its enrolment session's two topics).
 */
export type BrokerIdentity = { kind: 'gateway' } | { kind: 'agent'; clientId: string } | { kind: 'enrol'; session: string };

/** Topics an agent publishes in its own subtree (transfer-up: file chunks it sends). */
export const AGENT_PUBLISH_CHANNELS = ['status', 'events', 'transfer-up'] as const;
/** Topics an agent reads in its own subtree (transfer-down: file chunks it receives). */
export const AGENT_SUBSCRIBE_CHANNELS = ['commands', 'transfer-down'] as const;

const own = (clientId: string, channel: string) => `${TOPIC_ROOT}/agents/${clientId}/${channel}`;

/** Whether `identity` may publish on `topic` (a topic name, never a filter). */
export function mayPublish(identity: BrokerIdentity, topic: string): boolean {
  switch (identity.kind) {
    case 'gateway':
      return true;
    case 'agent':
      if (AGENT_PUBLISH_CHANNELS.some((channel) => topic === own(identity.clientId, channel))) return true;
      return parseTransferSessionTopic(topic)?.clientId === identity.clientId;
    case 'enrol':
      return topic === enrolRequestTopic(identity.session);
  }
}

/** Whether `identity` may subscribe to `filter` (wildcards included: an agent gets no `+` or `#`). */
export function maySubscribe(identity: BrokerIdentity, filter: string): boolean {
  switch (identity.kind) {
    case 'gateway':
      return true;
    case 'agent':
      if (AGENT_SUBSCRIBE_CHANNELS.some((channel) => filter === own(identity.clientId, channel))) return true;
      // One file's session topic (no wildcard: an agent listens to the files offered to it, a BROADCAST's too).
      return parseTransferSessionTopic(filter) !== null;
    case 'enrol':
      return filter === enrolCredentialTopic(identity.session);
  }
}
