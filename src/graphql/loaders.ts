import DataLoader from 'dataloader';
import type { Client, Group, Job, JobRun, Task } from '../entities';
import type { ClientAttributeView, ClientCounts } from '../services/client.service';
import type { ClientLogRow, StepLogRow, TaskLogRow } from '../services/execution-log.rows';
import type { JobBindingCounts } from '../services/job.relations';
import type { Page, PageRequest, PageWindow } from '../services/paging';
import type { EntityRow } from '../services/relation-pages';
import type { ScriptStep } from '../services/step-script';
import type { TaskCounts } from '../services/task.service';
import type { Services } from './services';

/**
 * Per-operation DataLoaders: every nested field of a page (Job.tasks, Group.clients, Run.reports,
 * ...) and every count is fetched with one batched service call for all the parents of the
 * page, whatever the page size. Loaders for a field with arguments are kept per distinct
 * argument set. The loaders only call services (src/services), which hold the SQL.
 */
export class Loaders {
  private readonly cache = new Map<string, DataLoader<unknown, unknown>>();
  private readonly prefetches = new WeakMap<object, Map<string, unknown>>();

  constructor(private readonly services: Services) {}

  /** The loader named `key`, made on first use from a batch function returning values in the order of keys. */
  private loader<K, V>(key: string, batch: (keys: K[]) => Promise<V[]>): DataLoader<K, V> {
    let found = this.cache.get(key) as DataLoader<K, V> | undefined;
    if (!found) {
      found = new DataLoader<K, V>((keys) => batch([...keys]), { maxBatchSize: 1000 });
      this.cache.set(key, found as DataLoader<unknown, unknown>);
    }
    return found;
  }

  /**
   * A value read ahead for one field of one parent object (a list page that read its items'
   * nested list with the page). Kept on that object only, not in a loader shared by the whole
   * operation: a look-ahead may read fewer columns than another path to the same parent needs.
   */
  prefetch(parent: object, field: string, value: unknown): void {
    let fields = this.prefetches.get(parent);
    if (!fields) this.prefetches.set(parent, (fields = new Map()));
    fields.set(field, value);
  }

  /** What `prefetch` kept for this parent's field, or undefined. */
  prefetched<T>(parent: object, field: string): T | undefined {
    return this.prefetches.get(parent)?.get(field) as T | undefined;
  }

  // ---- entities by id (e.g. the client of a report, the job of a run) ----

  client(): DataLoader<number, Client | null> {
    return this.loader('client', (ids) => this.services.clients.getMany(ids));
  }

  group(): DataLoader<number, Group | null> {
    return this.loader('group', (ids) => this.services.groups.getMany(ids));
  }

  job(): DataLoader<number, Job | null> {
    return this.loader('job', (ids) => this.services.jobs.getMany(ids));
  }

  task(): DataLoader<number, Task | null> {
    return this.loader('task', (ids) => this.services.tasks.getMany(ids));
  }

  run(): DataLoader<number, JobRun | null> {
    return this.loader('run', (ids) => this.services.execution.getRuns(ids));
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

  /** Task, group and direct-client counts; the target-client count has its own (dearer) loader. */
  jobCounts(): DataLoader<number, JobBindingCounts> {
    return this.loader('jobCounts', (ids) => this.services.jobs.bindingCountsByJob(ids));
  }

  jobTargetClientCounts(): DataLoader<number, number> {
    return this.loader('jobTargetClientCounts', (ids) => this.services.jobs.targetClientCountsByJob(ids));
  }

  taskCounts(): DataLoader<number, TaskCounts> {
    return this.loader('taskCounts', (ids) => this.services.tasks.countsByTask(ids));
  }

  runReportCounts(): DataLoader<number, number> {
    return this.loader('runReportCounts', (ids) => this.services.executionLogs.reportCountsByRun(ids));
  }

  // ---- relations: one window of each parent's list ----

  clientGroups(w: PageWindow): DataLoader<number, EntityRow<Group>[]> {
    return this.loader(`clientGroups:${w.offset}:${w.limit}`, (ids) => this.services.clients.groupsByClient(ids, w));
  }

  clientJobs(w: PageWindow): DataLoader<number, EntityRow<Job>[]> {
    return this.loader(`clientJobs:${w.offset}:${w.limit}`, (ids) => this.services.clients.jobsByClient(ids, w));
  }

  clientTasks(w: PageWindow): DataLoader<number, EntityRow<Task>[]> {
    return this.loader(`clientTasks:${w.offset}:${w.limit}`, (ids) => this.services.clients.tasksByClient(ids, w));
  }

  clientAttributes(): DataLoader<number, ClientAttributeView[]> {
    return this.loader('clientAttributes', (ids) => this.services.clients.attributesByClient(ids));
  }

  groupClients(w: PageWindow): DataLoader<number, EntityRow<Client>[]> {
    return this.loader(`groupClients:${w.offset}:${w.limit}`, (ids) => this.services.groups.clientsByGroup(ids, w));
  }

  groupJobs(w: PageWindow): DataLoader<number, EntityRow<Job>[]> {
    return this.loader(`groupJobs:${w.offset}:${w.limit}`, (ids) => this.services.groups.jobsByGroup(ids, w));
  }

  /** A job's tasks in job order. */
  jobTasks(w: PageWindow): DataLoader<number, EntityRow<Task>[]> {
    return this.loader(`jobTasks:${w.offset}:${w.limit}`, (ids) => this.services.jobs.tasksByJob(ids, w));
  }

  jobGroups(w: PageWindow): DataLoader<number, EntityRow<Group>[]> {
    return this.loader(`jobGroups:${w.offset}:${w.limit}`, (ids) => this.services.jobs.groupsByJob(ids, w));
  }

  jobClients(w: PageWindow): DataLoader<number, EntityRow<Client>[]> {
    return this.loader(`jobClients:${w.offset}:${w.limit}`, (ids) => this.services.jobs.clientsByJob(ids, w));
  }

  jobTargetClients(w: PageWindow): DataLoader<number, EntityRow<Client>[]> {
    return this.loader(`jobTargetClients:${w.offset}:${w.limit}`, (ids) => this.services.jobs.targetClientsByJob(ids, w));
  }

  taskJobs(w: PageWindow): DataLoader<number, EntityRow<Job>[]> {
    return this.loader(`taskJobs:${w.offset}:${w.limit}`, (ids) => this.services.tasks.jobsByTask(ids, w));
  }

  taskClients(w: PageWindow): DataLoader<number, EntityRow<Client>[]> {
    return this.loader(`taskClients:${w.offset}:${w.limit}`, (ids) => this.services.tasks.clientsByTask(ids, w));
  }

  /** Task scripts as trees, one query for every task of the operation. */
  taskSteps(): DataLoader<number, ScriptStep[]> {
    return this.loader('taskSteps', (ids) => this.services.tasks.scripts(ids));
  }

  // ---- execution records ----

  /** One page of each run's reports (newest first), optionally of one status. */
  runReports(status: string | undefined, page: Required<PageRequest>): DataLoader<number, Page<ClientLogRow>> {
    return this.loader(`runReports:${status ?? 'ALL'}:${page.pageNo}:${page.pageSize}`, (ids) =>
      this.services.executionLogs.reportsByRun(ids, { status }, page),
    );
  }

  /** A report's task results in job order, by reportId. */
  reportTasks(): DataLoader<string, TaskLogRow[]> {
    return this.loader('reportTasks', (reportIds) => this.services.executionLogs.taskResultsByReport(reportIds));
  }

  /** A task result's step results with their messages. */
  taskResultSteps(): DataLoader<number, StepLogRow[]> {
    return this.loader('taskResultSteps', (ids) => this.services.executionLogs.stepResultsByTaskResult(ids));
  }
}

export function createLoaders(services: Services): Loaders {
  return new Loaders(services);
}
