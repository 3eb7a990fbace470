import { performance } from 'node:perf_hooks';
import {
  buildEventBatch,
  encodeMessage,
  eventsTopic,
  inSeqRanges,
  parseAgentTopic,
  parseCommand,
  type AgentEvent,
  type DispatchCommand,
} from '../../src/protocol';
import type { DispatchStats } from '../../src/services/execution';
import { intArray } from '../../src/services/filters';
import { rawClient } from './support/broker';
import { useLiveHarness } from './support/live-harness';

const FLEET = 2_000;

/**
 * The scale the issue asks for: one run on 2,000 ONLINE clients is dispatched in one burst, and
 * the 2,000 reports (11 events each) coming back are stored in a few batched transactions.
 * The agents are played by one MQTT client that answers each dispatch like a real agent would,
 * and resends what is not acknowledged, as the protocol says.
 */
describe('fan-out', () => {
  const h = useLiveHarness({ privateBroker: true });
  const passes: DispatchStats[] = [];
  beforeAll(async () => {
    // The fleet is written straight into the database, with no status on the broker: no presence audit.
    await h.startGateway({ presenceAuditMs: 0, onDispatch: (stats) => passes.push(stats) });
  });

  it(`dispatches a run to ${FLEET} clients in one burst and stores all their reports`, async () => {
    const fleet = `${h.prefix}-fan-`;
    const rows = await h.sql<{ id: number }>(
      `insert into client (mqtt_client_id, role, enable, status, connected_at, created_at, updated_at)
       select ? || g, 'STORE', true, 'ONLINE', now(), now(), now() from generate_series(1, ?) g returning id`,
      [fleet, FLEET],
    );
    const { jobId, taskId } = await h.createJob(
      [
        { type: 'WAIT_FLAG_FILE', filePath: 'in/ready.flag' },
        { type: 'COPY_FILE', filePath: 'in/*.csv', targetFilePath: 'pos/' },
        { type: 'DELETE_FILE', filePath: 'in/ready.flag' },
      ],
      [],
    );
    await h.sql('insert into job_client (job_id, client_id) select ?, unnest(?::int[])', [jobId, intArray(rows.map((r) => r.id))]);

    const fleetAgents = await rawClient(h.broker.url, `${h.prefix}-fleet`);
    const dispatches = new Map<string, DispatchCommand>();
    const pending = new Map<string, AgentEvent[]>();
    const stream = 'fleet-stream';
    let lastDispatchAt = 0;
    fleetAgents.on('message', (topic, payload) => {
      const where = parseAgentTopic(topic);
      if (!where?.clientId.startsWith(fleet)) return;
      const parsed = parseCommand(topic, payload, where.clientId);
      if (!parsed.ok) return;
      const command = parsed.value.message;
      if (command.type === 'dispatch' && !dispatches.has(where.clientId)) {
        dispatches.set(where.clientId, command);
        lastDispatchAt = performance.now();
      }
      if (command.type === 'ack')
        pending.set(
          where.clientId,
          (pending.get(where.clientId) ?? []).filter((e) => !inSeqRanges(e.seq, command.ranges)),
        );
    });
    // QoS 0 for the watcher: a broker's per-subscriber queue limits must not hide dispatches from it.
    await fleetAgents.subscribeAsync('sdes/v1/agents/+/commands', { qos: 0 });

    const started = performance.now();
    const runId = await h.runJob(jobId);
    const created = performance.now();
    await h.gateway!.dispatcher.idle();
    const pass = passes.find((p) => p.reports === FLEET)!;
    await h.waitFor('every dispatch', async () => dispatches.size === FLEET, 20_000);

    // Every agent answers with a full report: 11 events in one batch.
    const t = Date.now();
    for (const [clientId, d] of dispatches) {
      const steps = d.tasks[0].steps;
      let seq = 0;
      const e = (event: object) => ({ ...event, reportId: d.reportId, seq: ++seq, at: t }) as AgentEvent;
      pending.set(clientId, [
        e({ type: 'report.started', startTime: t }),
        e({ type: 'task.started', taskId, startTime: t }),
        ...steps.flatMap((s) => [
          e({ type: 'step.started', taskId, stepId: s.id, stepType: s.type, startTime: t }),
          e({ type: 'step.message', taskId, stepId: s.id, index: 0, startTime: t, endTime: t + 1, message: `${s.type} done` }),
          e({ type: 'step.finished', taskId, stepId: s.id, stepType: s.type, status: 'SUCCESS', startTime: t, endTime: t + 1, attempts: 1 }),
        ]),
        e({ type: 'task.finished', taskId, status: 'SUCCESS', startTime: t, endTime: t + 2 }),
        e({ type: 'report.finished', status: 'SUCCESS', startTime: t, endTime: t + 2 }),
      ]);
    }
    const answered = performance.now();
    const sendUnacked = () => {
      for (const [clientId, events] of pending)
        if (events.length) fleetAgents.publish(eventsTopic(clientId), encodeMessage(buildEventBatch(stream, events)), { qos: 1 });
    };
    sendUnacked();
    // Like an agent (resendIntervalMs 10 s): a broker with small queues may drop some of the burst.
    const resend = setInterval(sendUnacked, 10_000);
    try {
      await h.waitFor(
        'the run to end',
        async () => (await h.sql<{ status: string }>('select status from job_run where id = ?', [runId]))[0].status !== 'RUNNING',
        60_000,
      );
    } finally {
      clearInterval(resend);
    }
    const stored = performance.now();
    const [counts] = await h.sql<{ status: string; reports: number; steps: number; messages: number }>(
      `select jr.status, (select count(*)::int from report where run_id = jr.id and status = 'SUCCESS') as reports,
         (select count(*)::int from step_result s join task_result t on t.id = s.task_result_id join report r on r.id = t.report_id where r.run_id = jr.id and s.status = 'SUCCESS') as steps,
         (select count(*)::int from step_message m join step_result s on s.id = m.step_result_id join task_result t on t.id = s.task_result_id join report r on r.id = t.report_id where r.run_id = jr.id) as messages
       from job_run jr where jr.id = ?`,
      [runId],
    );
    expect(counts).toEqual({ status: 'SUCCESS', reports: FLEET, steps: 3 * FLEET, messages: 3 * FLEET });
    await h.waitFor('every event acknowledged', async () => [...pending.values()].every((events) => events.length === 0), 15_000);
    await fleetAgents.endAsync();

    const figures = {
      createRunMs: Math.round(created - started),
      // The gateway's own part: from the run's creation to the last dispatch handed to the broker.
      dispatchedMs: Math.round(pass.publishedAt - created),
      pass,
      allReceivedMs: Math.round(lastDispatchAt - created),
      ingestMs: Math.round(stored - answered),
      reportsPerSecond: Math.round(FLEET / ((stored - answered) / 1000)),
    };
    process.stdout.write(`fan-out of ${FLEET}: ${JSON.stringify(figures)}\n`);
    // Broker, gateway, the 2,000 "agents" (and the embedded PGlite, without DATABASE_URL) share
    // this one process, so the figures are pessimistic; bench/fanout measures with agents in other
    // processes. Dispatching (3 selects, 2,000 publishes) takes 0.25-0.3 s on PostgreSQL on a quiet
    // 2-core machine; the bound leaves room for a machine busy with other work (3-5x slower).
    expect(figures.dispatchedMs).toBeLessThan(2_000);
  }, 120_000);
});
