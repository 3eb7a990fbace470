import { Entity, Index, Opt, PrimaryKey, Property, t } from '@mikro-orm/core';

export const CYCLE_TYPES = { ONCE: 0, DAILY: 1, WEEKLY: 2, MONTHLY: 3, YEARLY: 4 } as const;

/** An ordered set of tasks aimed at clients and groups, with a schedule. */
@Entity({ tableName: 'job' })
export class Job {
  @PrimaryKey({ type: t.integer })
  id!: number;

  @Property({ type: t.string })
  @Index()
  name!: string;

  @Property({ type: t.text, nullable: true })
  description: string | null = null;

  @Property({ type: t.boolean })
  @Index()
  enabled: boolean & Opt = true;

  @Property({ type: t.integer })
  priority: number & Opt = 0;

  /** 0 = once, 1 = daily, 2 = weekly, 3 = monthly, 4 = yearly. */
  @Property({ type: t.smallint })
  cycleType: number & Opt = CYCLE_TYPES.ONCE;

  /** Cron expression in the management server's time zone; null = run only when asked. */
  @Property({ type: t.string, nullable: true })
  executionTime: string | null = null;

  @Property({ type: t.integer })
  maxRetries: number & Opt = 0;

  /** Seconds between retries of a failed client execution. */
  @Property({ type: t.integer })
  retryWait: number & Opt = 0;

  /** The longest a run may take, in seconds. */
  @Property({ type: t.integer })
  duration: number & Opt = 3600;

  @Property({ type: t.datetime })
  @Index()
  createdAt: Date & Opt = new Date();

  @Property({ type: t.datetime })
  @Index()
  lastEditedAt: Date & Opt = new Date();

  @Property({ type: t.datetime, nullable: true })
  @Index()
  lastRunAt: Date | null = null;

  @Property({ type: t.datetime, nullable: true })
  @Index()
  assignmentsChangedAt: Date | null = null;

  /** When the scheduler fires this job next; null when it has no schedule or is done. */
  @Property({ type: t.datetime, nullable: true })
  @Index()
  nextRunAt: Date | null = null;
}
