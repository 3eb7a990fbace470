import DataLoader from 'dataloader';
import type { Task } from '../entities';
import type { ClientAttributeView, ClientCounts } from '../services/client.service';
import type { JobCounts } from '../services/job.service';
import type { ScriptStep } from '../services/step-script';
import type { TaskCounts } from '../services/task.service';
import type { Services } from './services';
import { relationCounts, relationPages, relationRows, type ListWindow, type RelationName } from './relations';

/**
 * Per-operation DataLoaders: every nested field of a page (Job.tasks, Group.clients, ...) and
 * every count is fetched with one grouped statement for all the parents of the page, whatever
 * the page size. Loaders for a field with arguments are kept per distinct argument set.
 */
export class Loaders {
  private readonly cache = new Map<string, DataLoader<number, unknown>>();

  constructor(private readonly services: Services) {}

  /** The loader named `key`, made on first use from a batch function returning values in the order of ids. */
  private loader<V>(key: string, batch: (ids: number[]) => Promise<V[]>): DataLoader<number, V> {
    let found = this.cache.get(key) as DataLoader<number, V> | undefined;
    if (!found) {
      found = new DataLoader<number, V>((ids) => batch([...ids]), { maxBatchSize: 1000 });
      this.cache.set(key, found as DataLoader<number, unknown>);
    }
    return found;
  }

  private get em() {
    return this.services.ctx.em;
  }

  // ---- counts ----

  clientCounts(): DataLoader<number, ClientCounts> {
    return this.loader('clientCounts', (ids) => this.services.clients.countsByClient(ids));
  }

  groupClientCounts(): DataLoader<number, number> {
    return this.loader('groupClientCounts', (ids) => this.services.groups.clientCounts(ids));
  }

  groupJobCounts(): DataLoader<number, number> {
    return this.loader('groupJobCounts', (ids) => this.services.groups.jobCounts(ids));
  }

  jobCounts(): DataLoader<number, JobCounts> {
    return this.loader('jobCounts', (ids) => this.services.jobs.countsByJob(ids));
  }

  taskCounts(): DataLoader<number, TaskCounts> {
    return this.loader('taskCounts', (ids) => this.services.tasks.countsByTask(ids));
  }

  // ---- relations ----

  /** A job's tasks in job order (the service reads every job's tasks at once; the window is cut here). */
  jobTasks({ offset, limit }: ListWindow): DataLoader<number, Task[]> {
    return this.loader(`jobTasks:${offset}:${limit}`, async (ids) => (await this.services.jobs.tasksByJob(ids)).map((tasks) => tasks.slice(offset, offset + limit)));
  }

  /** Task scripts as trees, one query for every task of the operation. */
  taskSteps(): DataLoader<number, ScriptStep[]> {
    return this.loader('taskSteps', (ids) => this.services.tasks.scripts(ids));
  }

  /** One window of each parent's related entities (Job.tasks, Group.clients, ...). */
  related<T>(name: RelationName, window: ListWindow): DataLoader<number, T[]> {
    return this.loader(`${name}:${window.offset}:${window.limit}`, (ids) => relationPages(this.em, name, ids, window) as Promise<T[][]>);
  }

  /** How many related entities each parent has, where no service method counts them. */
  relatedCount(name: RelationName): DataLoader<number, number> {
    return this.loader(`${name}:count`, (ids) => relationCounts(this.em, name, ids));
  }

  clientAttributes(): DataLoader<number, ClientAttributeView[]> {
    return this.loader('clientAttributes', (ids) => relationRows.clientAttributes(this.em, ids));
  }

  /** Entities by id (null where none), e.g. the client of a report. */
  entity<T>(name: 'Attribute' | 'Client' | 'Group' | 'Job' | 'Task'): DataLoader<number, T | null> {
    return this.loader(`entity:${name}`, (ids) => relationRows.byIds(this.em, name, ids) as Promise<(T | null)[]>);
  }
}

export function createLoaders(services: Services): Loaders {
  return new Loaders(services);
}
