import { z } from 'zod';
import { PROTOCOL_VERSION } from './protocol.topics';

export const AGENT_ROLES = ['SERVER', 'STORE'] as const;
export type AgentRole = (typeof AGENT_ROLES)[number];

const version = z.literal(PROTOCOL_VERSION);

/**
 * How far ahead of the gateway's clock an agent's time may be (docs/protocol.md, "Agent
 * clocks"). A later time is taken as the gateway's time plus this: a status or event from the
 * future (a wrong clock, or year 9999 on purpose) would otherwise win every comparison with the
 * real ones that follow and pin its state, or not be storable at all.
 */
export const MAX_AGENT_CLOCK_AHEAD_MS = 60 * 1000;

/** An agent's epoch ms as the gateway uses it: at most MAX_AGENT_CLOCK_AHEAD_MS after `nowMs`. */
export function clampAgentTime(atMs: number, nowMs: number): number {
  return Math.min(atMs, nowMs + MAX_AGENT_CLOCK_AHEAD_MS);
}

/** Published retained by the agent on every (re)connect, after it has subscribed to its commands. */
export const onlineStatusSchema = z.object({
  v: version,
  status: z.literal('ONLINE'),
  /** Epoch ms on the agent's clock. */
  at: z.number().int().nonnegative(),
  role: z.enum(AGENT_ROLES),
  /** Agent software version (semver). */
  version: z.string().max(64),
  /** First non-internal IPv4 address the agent sees, or null; the broker's view of the peer may differ (NAT). */
  ip: z.string().max(64).nullable(),
  hostname: z.string().max(255),
  roots: z.array(z.string().max(4096)).max(64),
  /** The agent's event stream (see events); lets a gateway drop state kept for an older stream. */
  stream: z.string().min(1).max(64),
});
export type OnlineStatus = z.infer<typeof onlineStatusSchema>;

/**
 * Published retained as the Will (reason `will`, `at` = time of connect, because a Will is
 * fixed when the agent connects) or by a clean stop (reason `stopped`, `at` = time of stop).
 */
export const offlineStatusSchema = z.object({
  v: version,
  status: z.literal('OFFLINE'),
  at: z.number().int().nonnegative(),
  reason: z.enum(['will', 'stopped']),
});
export type OfflineStatus = z.infer<typeof offlineStatusSchema>;

export const statusMessageSchema = z.discriminatedUnion('status', [onlineStatusSchema, offlineStatusSchema]);
export type StatusMessage = z.infer<typeof statusMessageSchema>;
