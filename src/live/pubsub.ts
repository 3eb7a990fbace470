import { createPubSub } from '@graphql-yoga/subscription';

/** What changed in the configuration graph (for dashboards that list it). */
export interface EntityChangedEvent {
  entity: 'CLIENT' | 'GROUP' | 'JOB' | 'TASK' | 'ATTRIBUTE' | 'SETTINGS';
  action: 'CREATED' | 'UPDATED' | 'DELETED';
  id: number;
  at: number;
}

export interface ClientStatusEvent {
  clientId: number;
  mqttClientId: string;
  status: 'ONLINE' | 'OFFLINE';
  at: number;
}

/** Progress of one level of an execution: the run, a report, a task result or a step result. */
export interface ExecutionProgressEvent {
  level: 'RUN' | 'REPORT' | 'TASK' | 'STEP';
  runId: number;
  jobId: number;
  reportId?: string;
  clientId?: number;
  taskId?: number;
  stepId?: number;
  status: string;
  startTime?: number | null;
  endTime?: number | null;
  at: number;
}

export interface StepMessageEvent {
  runId: number;
  jobId: number;
  reportId: string;
  clientId: number;
  taskId: number;
  stepId: number;
  startTime: number;
  endTime: number;
  message: string;
}

/** Every live topic and its payload type, in one place (graphql-yoga's typed pub/sub). */
export type LiveTopics = {
  ENTITY_CHANGED: [EntityChangedEvent];
  CLIENT_STATUS: [ClientStatusEvent];
  EXECUTION_PROGRESS: [ExecutionProgressEvent];
  STEP_MESSAGE: [StepMessageEvent];
};

export type LivePubSub = ReturnType<typeof createLivePubSub>;

export function createLivePubSub() {
  return createPubSub<LiveTopics>();
}
