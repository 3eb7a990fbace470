import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { MqttClient } from 'mqtt';
import { createAgentCommands } from '../../live/agent-commands';
import type { Clock } from '../../runtime/clock';
import type { Logger } from '../../runtime/logger';
import { intArray } from '../filters';
import type { RunDispatcher } from '../service-context';
import { dispatchTemplate, toDispatchTask } from './dispatch-message';
import { wireReportId } from './attempt-id';

/**
 * Sends `dispatch` commands to agents. Only reports that are PENDING, of an ONLINE and enabled
 * client, of a RUNNING run within its deadline, of an enabled job, are sent; the others wait
 * (an offline client's report goes out when the client comes ONLINE, see the MQTT bridge) or end
 * at the deadline (lifecycle.ts). Sending again is harmless: agents run a report once
 * per id (docs/protocol.md 3.1).
 */
export interface Dispatcher extends RunDispatcher {
  /** A run was created: dispatch its reports (soon, in the background, by job priority). */
  runCreated(runId: number): void;
  /** These clients came ONLINE: dispatch their PENDING reports. */
  clientsOnline(clientIds: number[]): void;
  /** Dispatch these reports (database ids): a retry. */
  reportsDue(reportIds: number[]): void;
  /**
   * Dispatch these reports again in case their dispatch was lost (the sweep), except those whose
   * agent has events received and not yet stored (`ingesting`): those may say it started.
   */
  reportsMaybeLost(reportIds: number[]): void;
  /** Dispatch every PENDING report of every ONLINE client (after the gateway (re)connects). */
  allPending(): void;
  /** Tells agents to stop reports (best effort, fire and forget). */
  cancel(targets: { mqttClientId: string; reportId: string; attempt: number }[], reason: string): void;
  /** Resolves when everything asked so far has been sent. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export interface DispatcherOptions {
  orm: MikroORM;
  mqtt: Pick<MqttClient, 'publish'>;
  clock: Clock;
  logger: Logger;
  /** Called after each pass that sent something (metrics, benchmarks). */
  onPass?: (stats: DispatchStats) => void;
  /** Whether events of this agent are received and not yet stored (the MQTT bridge knows). */
  ingesting?: (mqttClientId: string) => boolean;
  /**
   * Reports stored as dispatched and published per step of a pass: the first agents start while
   * the rest are built, and the publishes leave in bursts of bounded size.
   */
  chunk?: number;
}

/** One dispatch pass: how many reports, and how long its phases took (ms). */
export interface DispatchStats {
  reports: number;
  selectMs: number;
  /** Building the messages and storing `dispatchedAt` (before the publishes). */
  buildMs: number;
  publishMs: number;
  /** The whole pass, until the last publish was handed to the MQTT client. */
  totalMs: number;
  /** performance.now() when the last dispatch was handed to the MQTT client. */
  publishedAt: number;
}

type Scope = { runs: Set<number>; clients: Set<number>; reports: Set<number>; maybeLost: Set<number>; all: boolean };
const emptyScope = (): Scope => ({ runs: new Set(), clients: new Set(), reports: new Set(), maybeLost: new Set(), all: false });
const isEmpty = (s: Scope) => !s.all && !s.runs.size && !s.clients.size && !s.reports.size && !s.maybeLost.size;

/** Creates the dispatcher. Work asked for in one tick is coalesced into one pass (one query, one publish each). */
export function createDispatcher({ orm, mqtt, clock, logger, onPass, ingesting = () => false, chunk = 1_000 }: DispatcherOptions): Dispatcher {
  const commands = createAgentCommands({ mqtt, logger });
  let pending = emptyScope();
  let running: Promise<void> | undefined;
  let stopped = false;

  const schedule = () => {
    if (stopped || running) return;
    running = (async () => {
      await new Promise((resolve) => setImmediate(resolve));
      while (!stopped && !isEmpty(pending)) {
        const scope = pending;
        pending = emptyScope();
        try {
          await dispatchScope(orm.em.fork() as EntityManager, scope);
        } catch (err) {
          logger.error({ err }, 'dispatch failed; the reports stay PENDING and are sent on the next connect or sweep');
        }
      }
    })().finally(() => {
      running = undefined;
      if (!stopped && !isEmpty(pending)) schedule();
    });
  };

  async function dispatchScope(em: EntityManager, scope: Scope): Promise<void> {
    const started = performance.now();
    const now = clock.now();
    // Highest job priority first, then oldest run: agents run reports in arrival order.
    const selected = await em.execute<
      {
        id: number;
        report_id: string;
        attempt: number;
        run_id: number;
        job_id: number;
        deadline_at: Date | string;
        client_id: number;
        mqtt_client_id: string;
      }[]
    >(
      `select r.id, r.report_id, r.attempt, r.run_id, jr.job_id, jr.deadline_at, r.client_id, c.mqtt_client_id
       from report r join job_run jr on jr.id = r.run_id join client c on c.id = r.client_id join job j on j.id = jr.job_id
       where (?::boolean or r.run_id = any(?::int[]) or r.client_id = any(?::int[]) or r.id = any(?::int[]))
         and r.status = 'PENDING' and c.status = 'ONLINE' and c.enable and j.enabled
         and jr.status = 'RUNNING' and jr.deadline_at > ?
       order by jr.priority desc, jr.id asc, r.id asc`,
      [scope.all, intArray([...scope.runs]), intArray([...scope.clients]), intArray([...scope.reports, ...scope.maybeLost]), now],
    );
    const onlyMaybeLost = (r: (typeof selected)[number]) =>
      scope.maybeLost.has(r.id) && !scope.all && !scope.runs.has(r.run_id) && !scope.clients.has(r.client_id) && !scope.reports.has(r.id);
    // A report the sweep thinks lost whose agent's events wait to be stored has most likely
    // started: sending it again while ingestion lags doubled the fan-out (issue 12). The next
    // sweep looks again once they are stored.
    const reports = selected.filter((r) => !onlyMaybeLost(r) || !ingesting(r.mqtt_client_id));
    if (selected.length > reports.length)
      logger.debug({ reports: selected.length - reports.length }, 'not dispatched again: their agents have events waiting to be stored');
    if (!reports.length) return;
    const queried = performance.now();
    const ids = reports.map((r) => r.id);
    // Disabled (or deleted) tasks are skipped: their results stay PENDING and end NOT_EXECUTE.
    const tasks = await em.execute<{ report_id: number; task_id: number; task_name: string; disable_validation: boolean; run_id: number }[]>(
      `select t.report_id, t.task_id, t.task_name, t.disable_validation, r.run_id
       from task_result t join report r on r.id = t.report_id join task k on k.id = t.task_id and k.enabled
       where t.report_id = any(?::int[]) order by t.report_id, t."order"`,
      [intArray(ids)],
    );
    // Every report of a run shares the run's script snapshots: read one per (run, task).
    const scripts = await em.execute<{ run_id: number; task_id: number; script: unknown }[]>(
      `select distinct on (r.run_id, t.task_id) r.run_id, t.task_id, t.script
       from task_result t join report r on r.id = t.report_id where t.report_id = any(?::int[]) order by r.run_id, t.task_id, t.id`,
      [intArray(ids)],
    );
    const scriptOf = new Map(scripts.map((s) => [`${s.run_id}:${s.task_id}`, s.script]));
    const tasksOf = new Map<number, typeof tasks>();
    for (const t of tasks) {
      const list = tasksOf.get(t.report_id);
      if (list) list.push(t);
      else tasksOf.set(t.report_id, [t]);
    }

    const templates = new Map<string, (reportId: string) => Buffer>();
    const sent: number[] = [];
    const messages: { mqttClientId: string; payload: Buffer }[] = [];
    for (const r of reports) {
      const own = tasksOf.get(r.id) ?? [];
      if (!own.length) {
        logger.warn({ reportId: r.report_id }, 'report not dispatched: every task of it is disabled; it ends NOT_EXECUTE at the deadline');
        continue;
      }
      const key = `${r.run_id}:${own.map((t) => t.task_id).join(',')}`;
      let build = templates.get(key);
      if (!build) {
        try {
          build = dispatchTemplate({
            jobId: r.job_id,
            runId: r.run_id,
            // Transfer steps wait for files until then (docs/protocol.md §12).
            deadline: new Date(r.deadline_at).getTime(),
            tasks: own.map((t) =>
              toDispatchTask({
                taskId: t.task_id,
                name: t.task_name,
                disableValidation: t.disable_validation,
                script: scriptOf.get(`${r.run_id}:${t.task_id}`),
              }),
            ),
          });
        } catch (err) {
          logger.error({ err, runId: r.run_id }, 'cannot build the dispatch of this run; its reports stay PENDING');
          build = () => Buffer.alloc(0);
        }
        templates.set(key, build);
      }
      const payload = build(wireReportId(r.report_id, r.attempt));
      if (!payload.length) continue;
      messages.push({ mqttClientId: r.mqtt_client_id, payload });
      sent.push(r.id);
    }
    if (!sent.length) return;
    const built = performance.now();
    // Stored before the publishes: a sweep running meanwhile sees them as sent (no second dispatch
    // of a fresh run), and an agent's first event never precedes the row saying it was dispatched.
    // Rows locked in id order, as ingestion locks them, so the two cannot deadlock. Should the
    // publishes then be lost, the sweep sends them again after redispatchAfterMs. In chunks, each
    // published once stored: the first agents work while the rest are stored.
    let storeMs = 0;
    for (let from = 0; from < sent.length; from += chunk) {
      const storing = performance.now();
      await em.execute('update report set dispatched_at = ? where id in (select id from report where id = any(?::int[]) order by id for update)', [
        now,
        intArray(sent.slice(from, from + chunk)),
      ]);
      storeMs += performance.now() - storing;
      // Published without waiting for each PUBACK: a chunk is one burst.
      commands.send(messages.slice(from, from + chunk));
    }
    const published = performance.now();
    const ms = (from: number, to: number) => Math.round(to - from);
    const stats: DispatchStats = {
      reports: sent.length,
      selectMs: ms(started, queried),
      buildMs: ms(queried, built) + Math.round(storeMs),
      publishMs: Math.max(0, ms(built, published) - Math.round(storeMs)),
      totalMs: ms(started, performance.now()),
      publishedAt: published,
    };
    logger.info({ ...stats, publishedAt: undefined }, `dispatched ${sent.length} report${sent.length === 1 ? '' : 's'}`);
    onPass?.(stats);
  }

  const add = (fill: (scope: Scope) => void) => {
    if (stopped) return;
    fill(pending);
    schedule();
  };

  const idle = async () => {
    while (running) await running;
  };

  return {
    runCreated: (runId) => add((s) => s.runs.add(runId)),
    clientsOnline(clientIds) {
      if (clientIds.length) add((s) => clientIds.forEach((id) => s.clients.add(id)));
    },
    reportsDue(reportIds) {
      if (reportIds.length) add((s) => reportIds.forEach((id) => s.reports.add(id)));
    },
    reportsMaybeLost(reportIds) {
      if (reportIds.length) add((s) => reportIds.forEach((id) => s.maybeLost.add(id)));
    },
    allPending: () => add((s) => (s.all = true)),
    cancel(targets, reason) {
      commands.cancel(
        targets.map((t) => ({ mqttClientId: t.mqttClientId, reportId: wireReportId(t.reportId, t.attempt) })),
        reason,
      );
    },
    idle,
    async stop() {
      await idle();
      stopped = true;
    },
  };
}
