import { Entity, Enum, Index, ManyToOne, Opt, PrimaryKey, Property, t, Unique } from '@mikro-orm/core';
import { Client } from './client.entity';

/** Statuses of runs, reports, task results and step results. */
export const EXECUTION_STATUSES = ['PENDING', 'RUNNING', 'SUCCESS', 'FAILED', 'NOT_EXECUTE'] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];
/** A final status never moves back to a running one. */
export const FINAL_STATUSES: readonly ExecutionStatus[] = ['SUCCESS', 'FAILED', 'NOT_EXECUTE'];

export const RUN_TRIGGERS = ['MANUAL', 'SCHEDULE'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];

/** One run of a job. Name and description are kept so history outlives edits and deletes. */
@Entity({ tableName: 'job_run' })
@Index({ properties: ['jobId', 'startedAt'] })
export class JobRun {
  @PrimaryKey({ type: t.integer })
  id!: number;

  /** Not a foreign key: a run's history outlives the job. */
  @Property({ type: t.integer })
  @Index()
  jobId!: number;

  @Property({ type: t.string })
  jobName!: string;

  @Property({ type: t.text, nullable: true })
  jobDescription: string | null = null;

  @Enum({ items: () => RUN_TRIGGERS, type: t.string })
  trigger: RunTrigger & Opt = 'MANUAL';

  @Enum({ items: () => EXECUTION_STATUSES, type: t.string })
  @Index()
  status: ExecutionStatus & Opt = 'RUNNING';

  @Property({ type: t.integer })
  priority: number & Opt = 0;

  @Property({ type: t.integer })
  maxRetries: number & Opt = 0;

  @Property({ type: t.integer })
  retryWait: number & Opt = 0;

  /** When the schedule meant it to start (the fire time); equals startedAt for manual runs. */
  @Property({ type: t.datetime })
  scheduledAt!: Date;

  @Property({ type: t.datetime })
  @Index()
  startedAt!: Date;

  /** startedAt + the job's duration: reports still open then end FAILED or NOT_EXECUTE. */
  @Property({ type: t.datetime })
  @Index()
  deadlineAt!: Date;

  @Property({ type: t.datetime, nullable: true })
  endedAt: Date | null = null;
}

/** One client's part of a run. `reportId` is the id agents and the log routes use. */
@Entity({ tableName: 'report' })
@Index({ properties: ['client', 'startedAt'] })
@Unique({ properties: ['run', 'client'] })
export class Report {
  @PrimaryKey({ type: t.integer })
  id!: number;

  @Property({ type: t.string, unique: true })
  reportId!: string;

  @ManyToOne(() => JobRun, { deleteRule: 'cascade' })
  run!: JobRun;

  @ManyToOne(() => Client, { deleteRule: 'cascade' })
  client!: Client;

  @Enum({ items: () => EXECUTION_STATUSES, type: t.string })
  @Index()
  status: ExecutionStatus & Opt = 'PENDING';

  /** 0 for the first attempt, then one more per retry. */
  @Property({ type: t.integer })
  attempt: number & Opt = 0;

  @Property({ type: t.datetime })
  createdAt: Date & Opt = new Date();

  @Property({ type: t.datetime, nullable: true })
  dispatchedAt: Date | null = null;

  @Property({ type: t.datetime, nullable: true })
  startedAt: Date | null = null;

  @Property({ type: t.datetime, nullable: true })
  endedAt: Date | null = null;

  /** When a failed report is due for its next attempt. */
  @Property({ type: t.datetime, nullable: true })
  @Index()
  retryAt: Date | null = null;

  @Property({ type: t.text, nullable: true })
  message: string | null = null;
}

/** One task's result within a report. */
@Entity({ tableName: 'task_result' })
@Unique({ properties: ['report', 'taskId'] })
export class TaskResult {
  @PrimaryKey({ type: t.integer })
  id!: number;

  @ManyToOne(() => Report, { deleteRule: 'cascade' })
  report!: Report;

  /** Not a foreign key: a result's history outlives the task. */
  @Property({ type: t.integer })
  @Index()
  taskId!: number;

  @Property({ type: t.string })
  taskName!: string;

  @Property({ type: t.text, nullable: true })
  taskDescription: string | null = null;

  @Property({ type: t.integer })
  order: number & Opt = 0;

  @Property({ type: t.integer })
  priority: number & Opt = 0;

  @Property({ type: t.boolean })
  disableValidation: boolean & Opt = false;

  /** The script as it was run, so history stays readable after the script is edited. */
  @Property({ type: t.json, nullable: true })
  script: unknown = null;

  @Enum({ items: () => EXECUTION_STATUSES, type: t.string })
  status: ExecutionStatus & Opt = 'PENDING';

  @Property({ type: t.datetime, nullable: true })
  @Index()
  startedAt: Date | null = null;

  @Property({ type: t.datetime, nullable: true })
  endedAt: Date | null = null;
}

/** One step's result within a task result; the step's fields are a snapshot. */
@Entity({ tableName: 'step_result' })
@Unique({ properties: ['taskResult', 'stepId'] })
export class StepResult {
  @PrimaryKey({ type: t.integer })
  id!: number;

  @ManyToOne(() => TaskResult, { deleteRule: 'cascade' })
  taskResult!: TaskResult;

  @Property({ type: t.integer })
  stepId!: number;

  @Property({ type: t.integer, nullable: true })
  parentStepId: number | null = null;

  @Property({ type: t.string })
  type!: string;

  @Property({ type: t.integer })
  order: number & Opt = 0;

  @Property({ type: t.json })
  step!: Record<string, unknown>;

  @Enum({ items: () => EXECUTION_STATUSES, type: t.string })
  status: ExecutionStatus & Opt = 'RUNNING';

  @Property({ type: t.datetime, nullable: true })
  startedAt: Date | null = null;

  @Property({ type: t.datetime, nullable: true })
  endedAt: Date | null = null;
}

/** A timed message of a step (START, output lines, the result). `seq` makes it idempotent. */
@Entity({ tableName: 'step_message' })
@Unique({ properties: ['stepResult', 'seq'] })
export class StepMessage {
  @PrimaryKey({ type: t.integer })
  id!: number;

  @ManyToOne(() => StepResult, { deleteRule: 'cascade' })
  stepResult!: StepResult;

  @Property({ type: t.integer })
  seq!: number;

  @Property({ type: t.datetime })
  startTime!: Date;

  @Property({ type: t.datetime })
  endTime!: Date;

  @Property({ type: t.text })
  message!: string;
}
