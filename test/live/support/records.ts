import type { LiveHarness } from './live-harness';

/** Raw timestamps come back as text: make them comparable. */
const ms = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string).getTime());

export interface RunRecords {
  run: { id: number; status: string; started_at: number; ended_at: number | null; deadline_at: number };
  reports: {
    id: number;
    report_id: string;
    client_id: number;
    mqtt_client_id: string;
    status: string;
    attempt: number;
    message: string | null;
    started_at: number | null;
    ended_at: number | null;
    retry_at: number | null;
    dispatched_at: number | null;
  }[];
  tasks: { id: number; report_id: number; task_id: number; status: string; started_at: number | null; ended_at: number | null }[];
  steps: {
    id: number;
    report_id: number;
    task_id: number;
    step_id: number;
    parent_step_id: number | null;
    type: string;
    status: string;
    started_at: number | null;
    ended_at: number | null;
    step: Record<string, unknown>;
  }[];
  messages: { step_result_id: number; step_id: number; seq: number; message: string; start_time: number; end_time: number }[];
}

/** The four levels of one run, straight from the database: reports and tasks in id order, steps as they started. */
export async function runRecords(h: Pick<LiveHarness, 'sql'>, runId: number): Promise<RunRecords> {
  const [run] = await h.sql('select * from job_run where id = ?', [runId]);
  const reports = await h.sql('select r.*, c.mqtt_client_id from report r join client c on c.id = r.client_id where r.run_id = ? order by r.id', [runId]);
  const tasks = await h.sql('select t.* from task_result t join report r on r.id = t.report_id where r.run_id = ? order by t.id', [runId]);
  const steps = await h.sql(
    'select s.*, t.report_id, t.task_id from step_result s join task_result t on t.id = s.task_result_id join report r on r.id = t.report_id where r.run_id = ? order by r.id, t.id, s.started_at nulls last, s.step_id',
    [runId],
  );
  const messages = await h.sql(
    'select m.*, s.step_id from step_message m join step_result s on s.id = m.step_result_id join task_result t on t.id = s.task_result_id join report r on r.id = t.report_id where r.run_id = ? order by r.id, t.id, s.step_id, m.seq',
    [runId],
  );
  const times = <T extends Record<string, unknown>>(row: T, ...fields: string[]) => ({ ...row, ...Object.fromEntries(fields.map((f) => [f, ms(row[f])])) });
  return {
    run: times(run, 'started_at', 'ended_at', 'deadline_at') as unknown as RunRecords['run'],
    reports: reports.map((r) => times(r, 'started_at', 'ended_at', 'retry_at', 'dispatched_at')) as unknown as RunRecords['reports'],
    tasks: tasks.map((r) => times(r, 'started_at', 'ended_at')) as unknown as RunRecords['tasks'],
    steps: steps.map((r) => times(r, 'started_at', 'ended_at')) as unknown as RunRecords['steps'],
    messages: messages.map((r) => times(r, 'start_time', 'end_time')) as unknown as RunRecords['messages'],
  };
}

/** Waits until the run has ended and returns its records. */
export async function runEnded(h: Pick<LiveHarness, 'sql' | 'waitFor' | 'idle'>, runId: number, timeoutMs = 15_000): Promise<RunRecords> {
  await h.waitFor(
    `run ${runId} to end`,
    async () => (await h.sql<{ status: string }>('select status from job_run where id = ?', [runId]))[0]?.status !== 'RUNNING',
    timeoutMs,
  );
  await h.idle();
  return runRecords(h, runId);
}

/** Waits until a report has this status. */
export async function reportIs(h: Pick<LiveHarness, 'sql' | 'waitFor'>, runId: number, status: string, timeoutMs = 15_000): Promise<void> {
  await h.waitFor(
    `a report of run ${runId} to be ${status}`,
    async () => (await h.sql('select 1 from report where run_id = ? and status = ?', [runId, status])).length > 0,
    timeoutMs,
  );
}
