import { registerEnumType } from 'type-graphql';

/**
 * The enums of the graph. Where the database keeps an integer (group type, cycle type,
 * attribute type) the GraphQL name maps to that integer, so entities serialise as they are.
 */

export enum ClientRole {
  SERVER = 'SERVER',
  STORE = 'STORE',
}
registerEnumType(ClientRole, {
  name: 'ClientRole',
  description: 'SERVER: a machine of the head office or data centre; STORE: a machine in a shop.',
});

export enum ClientStatus {
  ONLINE = 'ONLINE',
  OFFLINE = 'OFFLINE',
}
registerEnumType(ClientStatus, { name: 'ClientStatus', description: "Whether the agent's MQTT connection is up." });

export enum GroupType {
  STATIC = 0,
  DYNAMIC = 1,
}
registerEnumType(GroupType, {
  name: 'GroupType',
  description: 'STATIC (0): members are bound explicitly; DYNAMIC (1): members are the clients matching the query.',
});

export enum GroupQueryOperation {
  EQ = 'EQ',
  NE = 'NE',
  CONTAINS = 'CONTAINS',
  STARTS_WITH = 'STARTS_WITH',
  ENDS_WITH = 'ENDS_WITH',
  IN = 'IN',
  GT = 'GT',
  GE = 'GE',
  LT = 'LT',
  LE = 'LE',
}
registerEnumType(GroupQueryOperation, {
  name: 'GroupQueryOperation',
  description: 'How a dynamic group compares queryProperty with queryValue (IN: a comma list or a JSON array; GT..LE compare numbers).',
});

export enum AttributeType {
  STRING = 0,
  NUMBER = 1,
  BOOLEAN = 2,
  DATE = 3,
}
registerEnumType(AttributeType, { name: 'AttributeType', description: 'The value type of an attribute (stored as 0 to 3, as the REST document carries it).' });

export enum CycleType {
  ONCE = 0,
  DAILY = 1,
  WEEKLY = 2,
  MONTHLY = 3,
  YEARLY = 4,
}
registerEnumType(CycleType, {
  name: 'CycleType',
  description: 'The recurrence of a job: ONCE runs at the first match of executionTime after it is enabled; the others repeat.',
});

export enum ExecutionStatus {
  PENDING = 'PENDING',
  RUNNING = 'RUNNING',
  SUCCESS = 'SUCCESS',
  FAILED = 'FAILED',
  NOT_EXECUTE = 'NOT_EXECUTE',
}
registerEnumType(ExecutionStatus, {
  name: 'ExecutionStatus',
  description: "Status of a run, report, task result or step result. NOT_EXECUTE: the client never ran it within the run's duration.",
});

export enum RunTrigger {
  MANUAL = 'MANUAL',
  SCHEDULE = 'SCHEDULE',
}
registerEnumType(RunTrigger, { name: 'RunTrigger', description: 'What started a run: an operator (runJob) or the schedule.' });

export enum StepType {
  COPY_FILE = 'COPY_FILE',
  DELETE_FILE = 'DELETE_FILE',
  EXECUTE_FILE = 'EXECUTE_FILE',
  WAIT_FLAG_FILE = 'WAIT_FLAG_FILE',
  GET_FILE_STATUS = 'GET_FILE_STATUS',
  IF = 'IF',
  SEND_FILE = 'SEND_FILE',
  RECV_FILE = 'RECV_FILE',
  BROADCAST = 'BROADCAST',
  UPLOAD_TO_SERVER = 'UPLOAD_TO_SERVER',
}
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

export enum OverwriteMode {
  OVERWRITE = 'OVERWRITE',
  NOT_OVERWRITE = 'NOT_OVERWRITE',
  COMPARE_OVERWRITE = 'COMPARE_OVERWRITE',
}
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
