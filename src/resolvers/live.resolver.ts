import { Requires } from '../graphql/requires';
import { Args, Resolver, Root, Subscription } from 'type-graphql';
import type { ClientStatusEvent, EntityChangedEvent, ExecutionProgressEvent, StepMessageEvent, TransferProgressEvent } from '../live/pubsub';
import type { ChangeAction, ClientStatus, EntityKind, ExecutionLevel, ExecutionStatus } from './enums';
import {
  ClientStatusArgs,
  ClientStatusChange,
  EntityChange,
  EntityChangedArgs,
  ExecutionProgress,
  ExecutionProgressArgs,
  StepMessageArgs,
  StepMessageEventType,
  TransferProgressArgs,
  TransferProgressType,
} from './live.type';

/** `null`/absent filter values match everything. */
const matches = <T>(wanted: T | null | undefined, actual: T | undefined) => wanted === null || wanted === undefined || wanted === actual;
const date = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms));

/** Live topics of src/live/pubsub.ts, filtered per subscriber by its arguments. */
@Resolver()
export class LiveResolver {
  @Requires('read')
  @Subscription(() => EntityChange, {
    topics: 'ENTITY_CHANGED',
    description: 'Jobs, tasks, groups, clients, attributes and settings as they are created, updated and deleted.',
    filter: ({ payload, args }: { payload: EntityChangedEvent; args: EntityChangedArgs }) =>
      (!args.entities?.length || args.entities.includes(payload.entity as EntityKind)) &&
      (!args.actions?.length || args.actions.includes(payload.action as ChangeAction)) &&
      matches(args.id, payload.id),
  })
  entityChanged(@Root() event: EntityChangedEvent, @Args() _args: EntityChangedArgs): EntityChange {
    return { entity: event.entity as EntityKind, action: event.action as ChangeAction, id: event.id, at: new Date(event.at) };
  }

  @Requires('read')
  @Subscription(() => ClientStatusChange, {
    topics: 'CLIENT_STATUS',
    // Indexed by agent in the pub/sub (src/live/pubsub.ts TOPIC_KEYS): a status wakes only its watchers.
    topicId: ({ args }: { args: ClientStatusArgs }) => args.mqttClientId ?? undefined,
    description: 'Clients going ONLINE or OFFLINE.',
    filter: ({ payload, args }: { payload: ClientStatusEvent; args: ClientStatusArgs }) =>
      matches(args.clientId, payload.clientId) && matches(args.mqttClientId, payload.mqttClientId),
  })
  clientStatusChanged(@Root() event: ClientStatusEvent, @Args() _args: ClientStatusArgs): ClientStatusChange {
    return { clientId: event.clientId, mqttClientId: event.mqttClientId, status: event.status as ClientStatus, at: new Date(event.at) };
  }

  @Requires('read')
  @Subscription(() => ExecutionProgress, {
    topics: 'EXECUTION_PROGRESS',
    description: 'Status changes of runs, reports, task results and step results; filter by job, run or client.',
    filter: ({ payload, args }: { payload: ExecutionProgressEvent; args: ExecutionProgressArgs }) =>
      matches(args.jobId, payload.jobId) &&
      matches(args.runId, payload.runId) &&
      matches(args.clientId, payload.clientId) &&
      (!args.levels?.length || args.levels.includes(payload.level as ExecutionLevel)),
  })
  executionProgress(@Root() event: ExecutionProgressEvent, @Args() _args: ExecutionProgressArgs): ExecutionProgress {
    return {
      ...event,
      level: event.level as ExecutionLevel,
      status: event.status as ExecutionStatus,
      startTime: date(event.startTime),
      endTime: date(event.endTime),
      at: new Date(event.at),
    };
  }

  @Requires('read')
  @Subscription(() => StepMessageEventType, {
    topics: 'STEP_MESSAGE',
    description: 'Step messages (START, output lines, results) as agents report them.',
    filter: ({ payload, args }: { payload: StepMessageEvent; args: StepMessageArgs }) =>
      matches(args.jobId, payload.jobId) &&
      matches(args.runId, payload.runId) &&
      matches(args.reportId, payload.reportId) &&
      matches(args.clientId, payload.clientId) &&
      matches(args.taskId, payload.taskId),
  })
  stepMessage(@Root() event: StepMessageEvent, @Args() _args: StepMessageArgs): StepMessageEventType {
    return { ...event, startTime: new Date(event.startTime), endTime: new Date(event.endTime) };
  }

  @Requires('read')
  @Subscription(() => TransferProgressType, {
    topics: 'TRANSFER_PROGRESS',
    description: 'Bytes and rate of files moving between agents and the file store (docs/protocol.md §12); filter by agent or file.',
    filter: ({ payload, args }: { payload: TransferProgressEvent; args: TransferProgressArgs }) =>
      matches(args.mqttClientId, payload.mqttClientId) && matches(args.fileId, payload.fileId),
  })
  transferProgress(@Root() event: TransferProgressEvent, @Args() _args: TransferProgressArgs): TransferProgressType {
    return { ...event, at: new Date(event.at) };
  }
}
