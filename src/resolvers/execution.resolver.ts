import { Arg, Args, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Client, Job, JobRun, Report } from '../entities';
import type { GraphqlContext } from '../graphql/context';
import { Requires } from '../graphql/requires';
import { errors } from '../services/errors';
import type { PageRequest } from '../services/paging';
import type { ClientLogRow, JobLogRow, StepLogRow, TaskLogRow } from '../services/execution-log.rows';
import { ClientType } from './client.type';
import { checkPageArgs, PageArgs, pageRequest, toPage } from './common.type';
import { ExecutionStatus } from './enums';
import {
  ClientLogOverviewPage,
  ExecutionFilterInput,
  ReportObject,
  ReportPage,
  RunObject,
  RunPage,
  StepResultObject,
  StepResultPage,
  TaskHistoryFilterInput,
  TaskHistoryPage,
  TaskResultObject,
  TaskResultPage,
} from './execution.type';
import { JobObject } from './job.type';

type RunView = RunObject & { reportsCount?: number };

function runFromRow(r: JobLogRow): RunView {
  return {
    id: r.runId,
    jobId: r.jobId,
    jobName: r.jobName,
    jobDescription: r.jobDescription,
    trigger: r.trigger as RunView['trigger'],
    status: r.status as ExecutionStatus,
    priority: r.priority,
    scheduledAt: r.scheduledAt,
    startedAt: r.startTime,
    deadlineAt: r.deadlineAt,
    endedAt: r.endTime,
    reportsCount: r.clients,
  };
}

function runFromEntity(r: JobRun): RunView {
  return {
    id: r.id,
    jobId: r.jobId,
    jobName: r.jobName,
    jobDescription: r.jobDescription,
    trigger: r.trigger as RunView['trigger'],
    status: r.status as ExecutionStatus,
    priority: r.priority,
    scheduledAt: r.scheduledAt,
    startedAt: r.startedAt,
    deadlineAt: r.deadlineAt,
    endedAt: r.endedAt,
  };
}

function reportFromRow(r: ClientLogRow): ReportObject {
  return { ...r, status: r.status as ExecutionStatus };
}

function reportFromEntity(r: Report): ReportObject {
  return {
    reportId: r.reportId,
    runId: r.run.id,
    jobId: r.run.jobId,
    jobName: r.run.jobName,
    clientId: r.client.id,
    mqttClientId: r.client.mqttClientId,
    status: r.status as ExecutionStatus,
    attempt: r.attempt,
    message: r.message,
    startTime: r.startedAt,
    endTime: r.endedAt,
  };
}

const startAt = (d: Date | null | undefined) => (d ? d.getTime() : undefined);
const opt = <T>(v: T | null | undefined) => (v === null ? undefined : v);

/** Execution records (runs, reports, task and step results) and running a job. */
@Resolver(() => RunObject)
export class RunResolver {
  @Requires('read')
  @Query(() => RunObject, { description: 'One run by id (NOT_FOUND when there is none).' })
  async run(@Arg('id', () => Int) id: number, @Ctx() { services }: GraphqlContext): Promise<RunView> {
    return runFromEntity(await services.execution.getRun(id));
  }

  @Requires('read')
  @Query(() => RunPage, { description: 'Runs of jobs, newest first: filter by job, status and start time (the REST job logs).' })
  async runs(
    @Arg('filter', () => ExecutionFilterInput, { nullable: true }) filter: ExecutionFilterInput | null,
    @Args({ validateFn: checkPageArgs }) page: PageArgs,
    @Ctx() { services }: GraphqlContext,
  ) {
    const f = filter ?? {};
    return toPage(
      await services.executionLogs.jobLogs({ status: opt(f.status), startAt: startAt(f.startedAfter), jobId: opt(f.jobId) }, pageRequest(page)),
      page,
      runFromRow,
    );
  }

  @FieldResolver(() => JobObject, { nullable: true, description: 'The job as it is now; null once it is deleted.' })
  job(@Root() run: RunView, @Ctx() { loaders }: GraphqlContext): Promise<Job | null> {
    return loaders.job().load(run.jobId);
  }

  @FieldResolver(() => ReportPage, { description: 'The reports of the run (one per target client), newest first.' })
  async reports(
    @Root() run: RunView,
    @Arg('status', () => ExecutionStatus, { nullable: true }) status: ExecutionStatus | null,
    @Args({ validateFn: checkPageArgs }) page: PageArgs,
    @Ctx() { loaders }: GraphqlContext,
  ) {
    return toPage(await loaders.runReports(opt(status), pageRequest(page) as Required<PageRequest>).load(run.id), page, reportFromRow);
  }

  @FieldResolver(() => Int)
  async reportsCount(@Root() run: RunView, @Ctx() { loaders }: GraphqlContext): Promise<number> {
    return run.reportsCount ?? loaders.runReportCounts().load(run.id);
  }

  @Requires('runs.write')
  @Mutation(() => RunObject, {
    description:
      'Runs a job now: creates the run, a report per enabled target client and the task results, then hands it to the live layer. A disabled job, or one without enabled tasks or clients, is refused (CONFLICT).',
  })
  async runJob(@Arg('id', () => Int) id: number, @Ctx() { services }: GraphqlContext): Promise<RunView> {
    return runFromEntity(await services.execution.createRun(id, { trigger: 'MANUAL' }));
  }

  @Requires('read')
  @Query(() => ClientLogOverviewPage, { description: 'Every client with the status of its latest finished report.' })
  async clientLogOverview(
    @Arg('filter', () => ExecutionFilterInput, { nullable: true }) filter: ExecutionFilterInput | null,
    @Args({ validateFn: checkPageArgs }) page: PageArgs,
    @Ctx() { services }: GraphqlContext,
  ) {
    const f = filter ?? {};
    return toPage(await services.executionLogs.clientOverview({ status: opt(f.status), startAt: startAt(f.startedAfter) }, pageRequest(page)), page);
  }

  @Requires('read')
  @Query(() => TaskHistoryPage, { description: 'Every task execution, newest first.' })
  async taskHistory(
    @Arg('filter', () => TaskHistoryFilterInput, { nullable: true }) filter: TaskHistoryFilterInput | null,
    @Args({ validateFn: checkPageArgs }) page: PageArgs,
    @Ctx() { services }: GraphqlContext,
  ) {
    const f = filter ?? {};
    const rows = await services.executionLogs.taskHistories(
      {
        mqttClientId: opt(f.mqttClientId),
        clientId: opt(f.clientId),
        taskName: opt(f.taskName),
        taskNameContains: opt(f.taskNameContains),
        taskId: opt(f.taskId),
        status: opt(f.status),
        startAt: startAt(f.startedAfter),
      },
      pageRequest(page),
    );
    return toPage(rows, page);
  }
}

@Resolver(() => ReportObject)
export class ReportResolver {
  @Requires('read')
  @Query(() => ReportObject, { description: 'One report by its reportId (NOT_FOUND when there is none).' })
  async report(@Arg('reportId') reportId: string, @Ctx() { services }: GraphqlContext): Promise<ReportObject> {
    return reportFromEntity(await services.execution.getReport(reportId));
  }

  @Requires('read')
  @Query(() => ReportPage, { description: 'Reports (client executions): filter by run, job, client, status and start time (the REST client logs).' })
  async reports(
    @Arg('filter', () => ExecutionFilterInput, { nullable: true }) filter: ExecutionFilterInput | null,
    @Args({ validateFn: checkPageArgs }) page: PageArgs,
    @Ctx() { services }: GraphqlContext,
  ) {
    const f = filter ?? {};
    const rows = await services.executionLogs.clientLogs(
      { status: opt(f.status), startAt: startAt(f.startedAfter), jobId: opt(f.jobId), runId: opt(f.runId), clientId: opt(f.clientId) },
      pageRequest(page),
    );
    return toPage(rows, page, reportFromRow);
  }

  @FieldResolver(() => ClientType, { nullable: true })
  client(@Root() report: ReportObject, @Ctx() { loaders }: GraphqlContext): Promise<Client | null> {
    return loaders.client().load(report.clientId);
  }

  @FieldResolver(() => RunObject)
  async run(@Root() report: ReportObject, @Ctx() { loaders }: GraphqlContext): Promise<RunView> {
    const run = await loaders.run().load(report.runId);
    // A report cannot outlive its run (the foreign key cascades).
    if (!run) throw errors.notFound('run', report.runId);
    return runFromEntity(run);
  }

  @FieldResolver(() => [TaskResultObject], { description: 'Its task results in job order.' })
  tasks(@Root() report: ReportObject, @Ctx() { loaders }: GraphqlContext): Promise<TaskLogRow[]> {
    return loaders.reportTasks().load(report.reportId);
  }

  @Requires('read')
  @Query(() => TaskResultPage, { description: 'Task results: filter by report, client, job, task and status (the REST task logs).' })
  async taskResults(
    @Arg('filter', () => ExecutionFilterInput, { nullable: true }) filter: ExecutionFilterInput | null,
    @Args({ validateFn: checkPageArgs }) page: PageArgs,
    @Ctx() { services }: GraphqlContext,
  ) {
    const f = filter ?? {};
    const rows = await services.executionLogs.taskLogs(
      {
        status: opt(f.status),
        startAt: startAt(f.startedAfter),
        reportId: opt(f.reportId),
        clientId: opt(f.clientId),
        jobId: opt(f.jobId),
        taskId: opt(f.taskId),
      },
      pageRequest(page),
    );
    return toPage(rows, page);
  }

  @Requires('read')
  @Query(() => StepResultPage, { description: 'Step results of a task with their messages (the REST script logs).' })
  async stepResults(
    @Arg('taskId', () => Int) taskId: number,
    @Arg('reportId', () => String, { nullable: true }) reportId: string | null,
    @Arg('clientId', () => Int, { nullable: true }) clientId: number | null,
    @Arg('jobId', () => Int, { nullable: true }) jobId: number | null,
    @Args({ validateFn: checkPageArgs }) page: PageArgs,
    @Ctx() { services }: GraphqlContext,
  ) {
    return toPage(
      await services.executionLogs.stepLogs({ taskId, reportId: opt(reportId), clientId: opt(clientId), jobId: opt(jobId) }, pageRequest(page)),
      page,
    );
  }
}

@Resolver(() => TaskResultObject)
export class TaskResultResolver {
  @FieldResolver(() => [StepResultObject], { description: 'Its step results with their messages.' })
  steps(@Root() result: TaskLogRow, @Ctx() { loaders }: GraphqlContext): Promise<StepLogRow[]> {
    return loaders.taskResultSteps().load(result.taskResultId);
  }
}
