import { Attribute } from './attribute.entity';
import { ClientAttributeValue } from './client-attribute-value.entity';
import { Client } from './client.entity';
import { JobRun, Report, StepMessage, StepResult, TaskResult } from './execution.entity';
import { Group } from './group.entity';
import { JobClient, JobGroup, JobTask } from './job-binding.entity';
import { Job } from './job.entity';
import { OnlineSample } from './online-sample.entity';
import { ApiKey, AuditEntry, Session, User } from './operator.entity';
import { Setting } from './setting.entity';
import { Step } from './step.entity';
import { StoredFile } from './stored-file.entity';
import { Task } from './task.entity';

export * from './attribute.entity';
export * from './client-attribute-value.entity';
export * from './client.entity';
export * from './execution.entity';
export * from './group.entity';
export * from './job-binding.entity';
export * from './job.entity';
export * from './online-sample.entity';
export * from './operator.entity';
export * from './setting.entity';
export * from './step.entity';
export * from './stored-file.entity';
export * from './task.entity';

/** Every entity the ORM knows; the migrations are written from these. */
export const ENTITIES = [
  Client,
  Attribute,
  ClientAttributeValue,
  Group,
  Task,
  Step,
  Job,
  JobTask,
  JobGroup,
  JobClient,
  JobRun,
  Report,
  TaskResult,
  StepResult,
  StepMessage,
  Setting,
  OnlineSample,
  StoredFile,
  User,
  Session,
  ApiKey,
  AuditEntry,
];
