import { Entity, Index, ManyToOne, Opt, PrimaryKey, Property, t } from '@mikro-orm/core';
import { Task } from './task.entity';

// The step types and overwrite modes are the protocol's: the stored script is what gets dispatched.
import { OVERWRITE_MODES, STEP_TYPES, type OverwriteMode, type StepType } from '../protocol/step.schema';
export { OVERWRITE_MODES, STEP_TYPES, type OverwriteMode, type StepType };

/** Where a step sits under its parent IF; root steps have none. */
export const STEP_BRANCHES = ['CONDITION', 'TRUE', 'FALSE'] as const;
export type StepBranch = (typeof STEP_BRANCHES)[number];

/**
 * One step of a task's script. The script is a tree: root steps have no parent, an IF's
 * conditions and branches point at it through `parent` and `branch`. The id is the step's
 * stable "scriptId" that execution records refer to.
 */
@Entity({ tableName: 'step' })
@Index({ properties: ['task', 'parent', 'branch', 'order'] })
// The cascade from a deleted step to its children finds them by parent.
@Index({ name: 'step_parent_id_index', properties: ['parent'] })
export class Step {
  @PrimaryKey({ type: t.integer })
  id!: number;

  @ManyToOne(() => Task, { deleteRule: 'cascade' })
  task!: Task;

  @ManyToOne(() => Step, { nullable: true, deleteRule: 'cascade' })
  parent: Step | null = null;

  @Property({ type: t.string, nullable: true })
  branch: StepBranch | null = null;

  @Property({ type: t.integer })
  order: number & Opt = 0;

  @Property({ type: t.string })
  type!: StepType;

  /** true: a failure ends the task as FAILED; false: it is logged and the task goes on. */
  @Property({ type: t.boolean })
  block: boolean & Opt = true;

  @Property({ type: t.integer, nullable: true })
  retryTimes: number | null = null;

  /** Seconds between attempts. */
  @Property({ type: t.integer, nullable: true })
  retryInterval: number | null = null;

  @Property({ type: t.integer, nullable: true })
  maxRetryTime: number | null = null;

  @Property({ type: t.text, nullable: true })
  filePath: string | null = null;

  @Property({ type: t.text, nullable: true })
  targetFilePath: string | null = null;

  @Property({ type: t.boolean, nullable: true })
  createFilePath: boolean | null = null;

  @Property({ type: t.boolean, nullable: true })
  ignoreHiddenFile: boolean | null = null;

  @Property({ type: t.string, nullable: true })
  overWrite: OverwriteMode | null = null;

  /** WAIT_FLAG_FILE polling interval, ms. */
  @Property({ type: t.integer, nullable: true })
  interval: number | null = null;

  /** WAIT_FLAG_FILE time-out, ms. */
  @Property({ type: t.integer, nullable: true })
  timeOut: number | null = null;

  /** EXECUTE_FILE bound, seconds. */
  @Property({ type: t.integer, nullable: true })
  duration: number | null = null;

  @Property({ type: t.boolean, nullable: true })
  compressFile: boolean | null = null;

  /** BROADCAST: the target store group ids. */
  @Property({ type: t.json, nullable: true })
  groups: number[] | null = null;

  @Property({ type: t.json, nullable: true })
  transferOption: Record<string, unknown> | null = null;

  /** SEND_FILE: the RECV_FILE step it pairs with. */
  @Property({ type: t.integer, nullable: true })
  recvFileScriptId: number | null = null;
}
