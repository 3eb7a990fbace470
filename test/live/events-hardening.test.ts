import type { AgentEventDraft } from '../../src/protocol';
import { MAX_AGENT_CLOCK_AHEAD_MS, storableEvent } from '../../src/protocol';
import { ClientService } from '../../src/services/client.service';
import { startFakeAgent } from './support/fake-agent';
import { clientIdOf, useLiveHarness } from './support/live-harness';

describe('events ingestion: one odd event costs only itself', () => {
  const h = useLiveHarness();
  beforeAll(async () => {
    await h.startGateway();
  });

  it('clamps times and cleans text event by event (pure)', () => {
    const now = Date.UTC(2026, 0, 1);
    const e = storableEvent(
      {
        seq: 1,
        at: 8_640_000_000_000_001,
        reportId: 'r',
        type: 'step.message',
        taskId: 1,
        stepId: 1,
        index: 0,
        startTime: 1,
        endTime: Date.UTC(9999, 0, 1),
        message: 'a\u0000b\ud800',
      },
      now,
    );
    expect(e).toMatchObject({ at: now + MAX_AGENT_CLOCK_AHEAD_MS, startTime: 1, endTime: now + MAX_AGENT_CLOCK_AHEAD_MS, message: 'a\uFFFDb\uFFFD' });
  });

  it('stores a step message with a NUL and a time of year 10000, with the rest of its batch, and acknowledges it', async () => {
    const fake = await startFakeAgent(h, 'odd-events');
    await fake.online();
    const id = await clientIdOf(h, fake.id);
    await new ClientService(h.ctx()).setEnabled(id, true);
    const { jobId, taskId } = await h.createJob([{ type: 'DELETE_FILE', filePath: 'c' }], [id]);
    await h.runJob(jobId);
    const dispatch = await h.waitFor('the dispatch', async () => fake.dispatches()[0]);
    const stepId = dispatch.tasks[0].steps[0].id as number;
    const reportId = dispatch.reportId;
    const t = h.clock.now().getTime() - 1_000;
    const drafts: AgentEventDraft[] = [
      { type: 'report.started', reportId, startTime: t },
      { type: 'task.started', reportId, taskId, startTime: t + 1 },
      { type: 'step.started', reportId, taskId, stepId, stepType: 'DELETE_FILE', startTime: t + 2 },
      { type: 'step.message', reportId, taskId, stepId, index: 0, startTime: t + 2, endTime: 253_402_300_800_000, message: 'deleted\u0000 c \ud800' },
    ];
    const events = fake.number(drafts);
    await fake.send(events);
    await h.idle();
    await h.waitFor('the acks', async () => events.every((e) => fake.acked(e.seq)));
    const [row] = await h.sql<{ message: string; end_time: string }>(
      `select m.message, m.end_time from step_message m join step_result s on s.id = m.step_result_id where s.step_id = ?`,
      [stepId],
    );
    expect(row.message).toBe('deleted\uFFFD c \uFFFD');
    expect(new Date(row.end_time).getTime()).toBeLessThanOrEqual(h.clock.now().getTime() + MAX_AGENT_CLOCK_AHEAD_MS);
    await fake.close();
  });
});
