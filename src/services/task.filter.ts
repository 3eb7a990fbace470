import type { FilterQuery } from '@mikro-orm/core';
import type { Task } from '../entities';
import { applyNameFilter, applyTimeRanges, type TimeRange } from './filters';

export interface TaskFilter {
  taskId?: number;
  /** Name equals (the document's `taskName`). */
  taskName?: string;
  /** Name contains, case-insensitive (`taskNameContain`). */
  taskNameContain?: string;
  enabled?: boolean;
  lastEditedAt?: TimeRange;
  lastRunAt?: TimeRange;
  assignmentsChangedAt?: TimeRange;
  /** The document's `createAtGte`/`createAtLte`. */
  createdAt?: TimeRange;
}

/** The filter of the task list (also used for a job's and a client's tasks). */
export function taskWhere(filter: TaskFilter = {}): FilterQuery<Task> {
  const where: Record<string, unknown> = {};
  if (filter.taskId !== undefined) where.id = filter.taskId;
  applyNameFilter(where, 'name', filter.taskName, filter.taskNameContain);
  if (filter.enabled !== undefined) where.enabled = filter.enabled;
  applyTimeRanges(where, {
    lastEditedAt: filter.lastEditedAt,
    lastRunAt: filter.lastRunAt,
    assignmentsChangedAt: filter.assignmentsChangedAt,
    createdAt: filter.createdAt,
  });
  return where as FilterQuery<Task>;
}
