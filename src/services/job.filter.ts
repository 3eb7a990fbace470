import type { FilterQuery } from '@mikro-orm/core';
import type { Job } from '../entities';
import { applyNameFilter, applyTimeRanges, type TimeRange } from './filters';

export interface JobFilter {
  jobId?: number;
  /** Name equals (the document's `jobName`). */
  jobName?: string;
  /** Name contains, case-insensitive (`jobNameContain`). */
  jobNameContain?: string;
  enabled?: boolean;
  lastEditedAt?: TimeRange;
  lastRunAt?: TimeRange;
  assignmentsChangedAt?: TimeRange;
  /** The document's `createAtGte`/`createAtLte`. */
  createdAt?: TimeRange;
}

/** The filter of the job list (also used for a task's and a client's jobs). */
export function jobWhere(filter: JobFilter = {}): FilterQuery<Job> {
  const where: Record<string, unknown> = {};
  if (filter.jobId !== undefined) where.id = filter.jobId;
  applyNameFilter(where, 'name', filter.jobName, filter.jobNameContain);
  if (filter.enabled !== undefined) where.enabled = filter.enabled;
  applyTimeRanges(where, {
    lastEditedAt: filter.lastEditedAt,
    lastRunAt: filter.lastRunAt,
    assignmentsChangedAt: filter.assignmentsChangedAt,
    createdAt: filter.createdAt,
  });
  return where as FilterQuery<Job>;
}
