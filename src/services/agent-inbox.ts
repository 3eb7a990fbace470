import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { AgentInbox } from '../live/agent-inbox';
import type { LivePubSub } from '../live/pubsub';
import type { Clock } from '../runtime/clock';
import { ExecutionProgressService, type Dispatcher, type StepIndex } from './execution';
import { PresenceService } from './presence.service';
import type { ServiceContext } from './service-context';

export interface AgentInboxOptions {
  orm: MikroORM;
  clock: Clock;
  pubsub?: LivePubSub;
  dispatcher: Dispatcher;
}

/**
 * What agents' messages mean, for the MQTT bridge (src/live/mqtt-bridge.ts): statuses are
 * presence, and a client coming ONLINE gets the work that waits for it; events are execution
 * records (src/services/execution); a (re)connect to the broker re-sends every pending dispatch.
 * Each call runs on a fresh EntityManager fork.
 */
export function createAgentInbox({ orm, clock, pubsub, dispatcher }: AgentInboxOptions): AgentInbox {
  const ctx = (): ServiceContext => ({ em: orm.em.fork() as EntityManager, clock, pubsub, dispatcher });
  // Scripts never change within a run: one cache of step indexes for every batch.
  const scriptCache = new Map<string, StepIndex>();
  return {
    async statuses(updates) {
      const changes = await new PresenceService(ctx()).applyStatuses(updates);
      dispatcher.clientsOnline(changes.filter((c) => c.status === 'ONLINE').map((c) => c.clientId));
      return changes;
    },
    async audit(heard, accept) {
      const presence = new PresenceService(ctx());
      const gone = (await presence.onlineClientIds()).filter((id) => accept(id) && !heard.has(id));
      return presence.markGone(gone);
    },
    events: (messages) => new ExecutionProgressService(ctx(), scriptCache).applyEvents(messages),
    connected: () => dispatcher.allPending(),
    onlineCount: () => new PresenceService(ctx()).onlineCount(),
    recordOnlineSample: () => new PresenceService(ctx()).recordOnlineSample(),
    idle: () => dispatcher.idle(),
  };
}
