import { registerEnumType } from 'type-graphql';
import {
  ATTRIBUTE_TYPES,
  CLIENT_ROLES,
  CLIENT_STATUSES,
  CYCLE_TYPES,
  EXECUTION_STATUSES,
  GROUP_TYPES,
  OVERWRITE_MODES,
  RUN_TRIGGERS,
  STEP_TYPES,
} from '../entities';
import { GROUP_OPERATIONS } from '../services/group-membership';

/**
 * The enums of the graph, made from the lists the entities, the protocol and the services declare
 * (STEP_TYPES, OVERWRITE_MODES, CLIENT_ROLES, ...), so that a value added there is in the graph
 * too and no list is written twice. Where the database keeps an integer (group type, cycle type,
 * attribute type) the GraphQL name maps to that integer, so entities serialise as they are.
 */

/** `{ A: 'A', B: 'B' }` from `['A', 'B']`: the shape registerEnumType takes. */
function enumOf<const T extends readonly string[]>(values: T): { [K in T[number]]: K } {
  return Object.fromEntries(values.map((v) => [v, v])) as { [K in T[number]]: K };
}

export const ClientRole = enumOf(CLIENT_ROLES);
export type ClientRole = (typeof CLIENT_ROLES)[number];
registerEnumType(ClientRole, {
  name: 'ClientRole',
  description: 'SERVER: a machine of the head office or data centre; STORE: a machine in a shop.',
});

export const ClientStatus = enumOf(CLIENT_STATUSES);
export type ClientStatus = (typeof CLIENT_STATUSES)[number];
registerEnumType(ClientStatus, { name: 'ClientStatus', description: "Whether the agent's MQTT connection is up." });

export const GroupType = GROUP_TYPES;
export type GroupType = (typeof GROUP_TYPES)[keyof typeof GROUP_TYPES];
registerEnumType(GroupType, {
  name: 'GroupType',
  description: 'STATIC (0): members are bound explicitly; DYNAMIC (1): members are the clients matching the query.',
});

export const GroupQueryOperation = enumOf(GROUP_OPERATIONS);
export type GroupQueryOperation = (typeof GROUP_OPERATIONS)[number];
registerEnumType(GroupQueryOperation, {
  name: 'GroupQueryOperation',
  description: 'How a dynamic group compares queryProperty with queryValue (IN: a comma list or a JSON array; GT..LE compare numbers).',
});

/** The stored codes are the positions in ATTRIBUTE_TYPES. */
export const AttributeType = Object.fromEntries(ATTRIBUTE_TYPES.map((name, code) => [name, code])) as { [K in (typeof ATTRIBUTE_TYPES)[number]]: number };
export type AttributeType = number;
registerEnumType(AttributeType, { name: 'AttributeType', description: 'The value type of an attribute (stored as 0 to 3, as the REST document carries it).' });

export const CycleType = CYCLE_TYPES;
export type CycleType = (typeof CYCLE_TYPES)[keyof typeof CYCLE_TYPES];
registerEnumType(CycleType, {
  name: 'CycleType',
  description: 'The recurrence of a job: ONCE runs at the first match of executionTime after it is enabled; the others repeat.',
});

export const ExecutionStatus = enumOf(EXECUTION_STATUSES);
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];
registerEnumType(ExecutionStatus, {
  name: 'ExecutionStatus',
  description: "Status of a run, report, task result or step result. NOT_EXECUTE: the client never ran it within the run's duration.",
});

export const RunTrigger = enumOf(RUN_TRIGGERS);
export type RunTrigger = (typeof RUN_TRIGGERS)[number];
registerEnumType(RunTrigger, { name: 'RunTrigger', description: 'What started a run: an operator (runJob) or the schedule.' });

export const StepType = enumOf(STEP_TYPES);
export type StepType = (typeof STEP_TYPES)[number];
registerEnumType(StepType, {
  name: 'StepType',
  description: 'What a step makes the agent do.',
  valuesConfig: {
    COPY_FILE: { description: 'Copy filePath to targetFilePath (createFilePath makes missing folders; overWrite decides about existing files).' },
    DELETE_FILE: { description: 'Delete filePath, a file or a folder (ignoreHiddenFile leaves dot-files).' },
    EXECUTE_FILE: { description: 'Run filePath; success is exit code 0; output goes into the step messages; bounded by duration.' },
    WAIT_FLAG_FILE: { description: 'Wait until filePath exists, polling every interval ms, up to timeOut ms.' },
    GET_FILE_STATUS: { description: 'Look at filePath (exists, size, modified); as an IF condition it holds when the file exists.' },
    IF: { description: 'Evaluate conditions (all must hold), then run the whenTrue or the whenFalse steps.' },
    SEND_FILE: { description: 'On a SERVER client: push filePath to the STORE clients of the same run that run the paired RECV_FILE step.' },
    RECV_FILE: { description: 'On a STORE client: receive the file of the paired SEND_FILE and write it to targetFilePath.' },
    BROADCAST: { description: "On a SERVER client: send filePath to every client of the step's groups at once." },
    UPLOAD_TO_SERVER: { description: "Send filePath to the management server's file store." },
  },
});

export const OverwriteMode = enumOf(OVERWRITE_MODES);
export type OverwriteMode = (typeof OVERWRITE_MODES)[number];
registerEnumType(OverwriteMode, {
  name: 'OverwriteMode',
  description: 'What a transfer does with an existing target: replace it, keep it, or replace it only when the content differs.',
});

export enum EntityKind {
  CLIENT = 'CLIENT',
  GROUP = 'GROUP',
  JOB = 'JOB',
  TASK = 'TASK',
  ATTRIBUTE = 'ATTRIBUTE',
  SETTINGS = 'SETTINGS',
  FILE = 'FILE',
}
registerEnumType(EntityKind, {
  name: 'EntityKind',
  description: 'The kinds of object whose changes are published (FILE: a stored file was begun, completed, failed or removed).',
});

export enum ChangeAction {
  CREATED = 'CREATED',
  UPDATED = 'UPDATED',
  DELETED = 'DELETED',
}
registerEnumType(ChangeAction, { name: 'ChangeAction' });

export enum ExecutionLevel {
  RUN = 'RUN',
  REPORT = 'REPORT',
  TASK = 'TASK',
  STEP = 'STEP',
}
registerEnumType(ExecutionLevel, { name: 'ExecutionLevel', description: 'Which level of an execution a progress event is about.' });
