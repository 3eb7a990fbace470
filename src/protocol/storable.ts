import type { AgentEvent } from './event.schema';
import { clampAgentTime } from './status.schema';
import { cleanText } from './text';

/** The epoch-ms fields of events (agent clock). */
const TIME_FIELDS = new Set(['at', 'startTime', 'endTime']);

/**
 * An event as the gateway can store it, whatever the agent sent: its times at most
 * MAX_AGENT_CLOCK_AHEAD_MS ahead of `nowMs` (docs/protocol.md, "Agent clocks") and its text
 * without NUL or lone surrogates. Per event, so one odd event never fails its batch (and, never
 * stored, would never be acknowledged: its agent would send it forever).
 */
export function storableEvent<E extends AgentEvent>(event: E, nowMs: number): E {
  let out: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(event)) {
    let next = value;
    if (typeof value === 'number' && TIME_FIELDS.has(key)) next = clampAgentTime(value, nowMs);
    else if (typeof value === 'string' && key !== 'type') next = cleanText(value);
    if (next !== value) (out ??= { ...event })[key] = next;
  }
  return (out as E | undefined) ?? event;
}
