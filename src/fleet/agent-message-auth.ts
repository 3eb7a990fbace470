import { sealFrameHeader, verifyEvents, verifyFrame, verifyStatus, type AgentChannel } from '../protocol';
import type { Logger } from '../runtime/logger';
import type { AgentRegistry } from './agent-registry';

/**
 * The gateway's check of what arrives on an agent's topics, whatever the broker let through
 * (docs/protocol.md 9.3): an enrolled agent's statuses and event batches must carry its HMAC, its
 * transfer frames the same key's HMAC in their header; a revoked agent's messages are dropped but
 * its own OFFLINE; a client id without credential is heard only where unenrolled agents are
 * allowed (SDES_ALLOW_UNENROLLED_AGENTS). Returns the payload to parse (without the HMAC) or null to drop; each drop
 * is logged.
 */
export function createAgentMessageAuth({ registry, allowUnenrolled, logger }: { registry: AgentRegistry; allowUnenrolled: boolean; logger: Logger }) {
  const decide = (clientId: string, channel: AgentChannel, topic: string, payload: Buffer): Buffer | null | 'unknown' => {
    // An empty retained status is the gateway clearing a deleted client's presence.
    if (channel === 'status' && payload.length === 0) return payload;
    const standing = registry.standing(clientId);
    if (standing.kind === 'unknown') return 'unknown';
    const revoked = () => {
      logger.warn({ clientId, topic }, `message of ${clientId} dropped: its credential is revoked`);
      return null;
    };
    if (standing.kind === 'revoked' && channel !== 'status') return revoked();
    if (channel !== 'events' && channel !== 'transfer-up' && channel !== 'status') return payload;
    const checked =
      channel === 'events'
        ? verifyEvents(standing.eventKey, topic, payload)
        : channel === 'status'
          ? verifyStatus(standing.eventKey, topic, payload)
          : verifyFrame(standing.eventKey, topic, payload);
    if (!checked.ok) {
      logger.warn({ clientId, topic, reason: checked.error }, `${channel} message on the topic of ${clientId} dropped: ${checked.error}`);
      return null;
    }
    // A revoked agent's last word, the Will its broker publishes when the connection is cut, still counts.
    if (standing.kind === 'revoked' && !isOffline(checked.body)) return revoked();
    return checked.body;
  };
  const unknown = (clientId: string, topic: string, payload: Buffer): Buffer | null => {
    if (allowUnenrolled) return payload;
    logger.warn({ clientId, topic }, `message dropped: ${clientId} has no agent credential (enrol it, or set SDES_ALLOW_UNENROLLED_AGENTS=true)`);
    return null;
  };
  return (clientId: string, channel: AgentChannel, topic: string, payload: Buffer): Buffer | null | Promise<Buffer | null> => {
    const first = decide(clientId, channel, topic, payload);
    if (first !== 'unknown') return first;
    if (allowUnenrolled) return payload;
    // Maybe enrolled through another gateway since the last refresh.
    return registry.refresh().then(() => {
      const again = decide(clientId, channel, topic, payload);
      return again === 'unknown' ? unknown(clientId, topic, payload) : again;
    });
  };
}
export type AgentMessageAuth = ReturnType<typeof createAgentMessageAuth>;

/**
 * The gateway's transfer-down frames for an agent, with the HMAC of that agent's event key (the
 * agent checks it); null for a revoked agent, which is sent nothing. An agent without credential
 * (allowed only with SDES_ALLOW_UNENROLLED_AGENTS) gets them as they are.
 */
export function createTransferSealer({ registry }: { registry: AgentRegistry }) {
  return (clientId: string, topic: string): ((json: Buffer) => Buffer) | undefined | null => {
    const standing = registry.standing(clientId);
    if (standing.kind === 'revoked') return null;
    if (standing.kind !== 'active') return undefined;
    const { eventKey } = standing;
    return (json) => sealFrameHeader(eventKey, topic, json);
  };
}

function isOffline(payload: Buffer): boolean {
  try {
    return (JSON.parse(payload.toString('utf8')) as { status?: unknown } | null)?.status === 'OFFLINE';
  } catch {
    return false;
  }
}
