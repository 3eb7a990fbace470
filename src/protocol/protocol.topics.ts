/**
 * MQTT topics of the SDES agent protocol (docs/protocol.md).
 *
 * Every agent owns one subtree, `sdes/v1/agents/{clientId}/...`, so a broker ACL with a
 * `%c`/`${clientid}` pattern can confine each agent to its own topics.
 */

/** The protocol version carried as `v` in every payload and in the topic root. */
export const PROTOCOL_VERSION = 1 as const;

export const TOPIC_ROOT = 'sdes/v1';

export const AGENT_CHANNELS = ['status', 'events', 'commands', 'transfer-up', 'transfer-down'] as const;
export type AgentChannel = (typeof AGENT_CHANNELS)[number];
/** The channels of JSON messages (status, events, commands); the others carry binary transfer frames. */
export type JsonChannel = Exclude<AgentChannel, 'transfer-up' | 'transfer-down'>;
export const isTransferChannel = (channel: AgentChannel): channel is 'transfer-up' | 'transfer-down' =>
  channel === 'transfer-up' || channel === 'transfer-down';

export interface AgentTopic {
  clientId: string;
  channel: AgentChannel;
}

/**
 * A client id must be one topic level: no `/`, no MQTT wildcards, no NUL, 1-128 characters.
 * (`$` is allowed inside the id; only topics that *start* with `$` are special.)
 */
export function isValidClientId(clientId: string): boolean {
  return (
    typeof clientId === 'string' &&
    clientId.length > 0 &&
    clientId.length <= 128 &&
    // NUL is as forbidden in a topic as the separators and wildcards (MQTT 3.1.1, 4.7.3).
    // eslint-disable-next-line no-control-regex
    !/[/+#\u0000]/.test(clientId)
  );
}

function agentTopic(clientId: string, channel: AgentChannel): string {
  if (!isValidClientId(clientId)) {
    throw new Error(`client id ${JSON.stringify(clientId)} cannot be used in a topic: it must be 1-128 characters without "/", "+", "#"`);
  }
  return `${TOPIC_ROOT}/agents/${clientId}/${channel}`;
}

/** Retained presence of one agent (ONLINE on connect, OFFLINE by Will or clean stop). Throws on an invalid client id. */
export const statusTopic = (clientId: string): string => agentTopic(clientId, 'status');
/** Agent → gateway progress events (QoS 1, acknowledged end to end). Throws on an invalid client id. */
export const eventsTopic = (clientId: string): string => agentTopic(clientId, 'events');
/** Gateway → agent commands: dispatch, ack, cancel (QoS 1, never retained). Throws on an invalid client id. */
export const commandsTopic = (clientId: string): string => agentTopic(clientId, 'commands');

/** Agent → gateway transfer frames (binary, docs/protocol.md §12; QoS 1). Throws on an invalid client id. */
export const transferUpTopic = (clientId: string): string => agentTopic(clientId, 'transfer-up');
/** Gateway → agent transfer frames: answers and chunks (binary, QoS 1). Throws on an invalid client id. */
export const transferDownTopic = (clientId: string): string => agentTopic(clientId, 'transfer-down');

/**
 * Agent → gateway and the file's online receivers: the chunks of one upload, published once by
 * its sender (docs/protocol.md §12.2). The gateway stores them; receivers of a file offered while
 * it arrives take them here instead of pulling each from the store. Only `clientId` publishes.
 */
export const transferSessionTopic = (clientId: string, fileId: number): string => {
  if (!isValidClientId(clientId))
    throw new Error(`client id ${JSON.stringify(clientId)} cannot be used in a topic: it must be 1-128 characters without "/", "+", "#"`);
  return `${TOPIC_ROOT}/transfers/${clientId}/${fileId}`;
};
/** Reads `sdes/v1/transfers/{clientId}/{fileId}`; null for any other topic. Never throws. */
export function parseTransferSessionTopic(topic: string): { clientId: string; fileId: number } | null {
  if (typeof topic !== 'string') return null;
  const parts = topic.split('/');
  if (parts.length !== 5 || `${parts[0]}/${parts[1]}` !== TOPIC_ROOT || parts[2] !== 'transfers') return null;
  if (!isValidClientId(parts[3]) || !/^[1-9][0-9]{0,14}$/.test(parts[4])) return null;
  return { clientId: parts[3], fileId: Number(parts[4]) };
}

/**
 * The topic filters a gateway subscribes to. With `shareGroup`, events are an MQTT shared
 * subscription (`$share/{group}/...`) so several gateways split the fleet's traffic.
 */
export function gatewaySubscriptions({ shareGroup }: { shareGroup?: string } = {}): {
  status: string;
  events: string;
  transferUp: string;
  transferSessions: string;
} {
  const share = (filter: string) => (shareGroup ? `$share/${shareGroup}/${filter}` : filter);
  return {
    // Status stays a plain subscription: brokers do not send retained messages to shared
    // subscriptions (MQTT 5 §4.8.2), and a starting gateway learns the fleet's state from them.
    // Every gateway applies every status; stale ones are ignored by their `at`.
    status: `${TOPIC_ROOT}/agents/+/status`,
    events: share(`${TOPIC_ROOT}/agents/+/events`),
    // Shared as well: a transfer's answers go out from whichever gateway took its frame.
    transferUp: share(`${TOPIC_ROOT}/agents/+/transfer-up`),
    // The chunks of uploads, on their per-file session topics (receivers listen there too). Not
    // shared: a broker may hash this topic to another gateway than the agent's transfer-up, and
    // only the gateway that granted the upload takes its chunks (the others ignore them).
    transferSessions: `${TOPIC_ROOT}/transfers/+/+`,
  };
}

/** Reads `sdes/v1/agents/{clientId}/{channel}`; returns null for any other topic. Never throws. */
export function parseAgentTopic(topic: string): AgentTopic | null {
  if (typeof topic !== 'string') return null;
  const parts = topic.split('/');
  if (parts.length !== 5) return null;
  const [root, version, agents, clientId, channel] = parts;
  if (`${root}/${version}` !== TOPIC_ROOT || agents !== 'agents') return null;
  if (!isValidClientId(clientId)) return null;
  if (!(AGENT_CHANNELS as readonly string[]).includes(channel)) return null;
  return { clientId, channel: channel as AgentChannel };
}
