import type { EventsMessage } from '../../src/live/agent-inbox';
import type { AgentEvent, AgentEventDraft } from '../../src/protocol';
import { ClientService } from '../../src/services/client.service';
import { startFakeAgent, type FakeAgent } from './support/fake-agent';
import { clientIdOf, useLiveHarness } from './support/live-harness';
import { runRecords } from './support/records';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Issue 12: a gateway behind on its events must not answer the lag with more work. */
describe('events ingestion under lag', () => {
  const h = useLiveHarness();
  /** What the bridge handed the inbox, one entry per transaction. */
  const calls: EventsMessage[][] = [];
  let gate: Promise<void> = Promise.resolve();
  let release: () => void = () => undefined;
  /** Ingestion waits until `release()`: the events pile up in the bridge as behind a slow database. */
  const hold = () => void (gate = new Promise((resolve) => (release = resolve)));
  const seqsOf = (messages: EventsMessage[]) => messages.flatMap((m) => m.batch.events.map((e) => e.seq));

  beforeAll(async () => {
    await h.startGateway({
      maxBatchEvents: 4,
      wrapInbox: (inbox) => ({
        ...inbox,
        async events(messages) {
          calls.push(messages);
          await gate;
          if (messages.some((m) => m.batch.events.some((e) => e.reportId === 'poison'))) throw new Error('this message cannot be stored');
          return inbox.events(messages);
        },
      }),
    });
  });
  const fakes: FakeAgent[] = [];
  beforeEach(() => {
    calls.length = 0;
  });
  afterEach(() => release());
  afterAll(async () => {
    await Promise.all(fakes.map((f) => f.close()));
  });
  const fakeAgent = async (name: string) => {
    const fake = await startFakeAgent(h, name);
    fakes.push(fake);
    return fake;
  };

  const enabledAgent = async (name: string): Promise<{ fake: FakeAgent; id: number }> => {
    const fake = await fakeAgent(name);
    await fake.online();
    const id = await clientIdOf(h, fake.id);
    await new ClientService(h.ctx()).setEnabled(id, true);
    return { fake, id };
  };
  const unknownReports = (fake: FakeAgent, n: number, reportId = 'unknown') =>
    fake.number(Array.from({ length: n }, (_, i): AgentEventDraft => ({ type: 'report.started', reportId, startTime: Date.now() + i })));

  it('does not dispatch a report again while its agent has events waiting to be stored', async () => {
    const { fake, id } = await enabledAgent('lagging');
    const { jobId } = await h.createJob([{ type: 'DELETE_FILE', filePath: 'a' }], [id]);
    const runId = await h.runJob(jobId);
    const dispatch = await h.waitFor('the dispatch', async () => fake.dispatches()[0]);
    hold();
    await fake.send(fake.number([{ type: 'report.started', reportId: dispatch.reportId, startTime: Date.now() }]));
    await h.waitFor('the event in the backlog', async () => h.gateway!.bridge.ingesting(fake.id));

    // Past redispatchAfterMs (1 s here) and still PENDING in the database.
    h.clock.advance(2_000);
    await h.gateway!.lifecycle.sweep();
    await h.gateway!.dispatcher.idle();
    await sleep(200);
    expect(fake.dispatches()).toHaveLength(1);

    release();
    await h.idle();
    expect(h.gateway!.bridge.ingesting(fake.id)).toBe(false);
    expect((await runRecords(h, runId)).reports[0].status).toBe('RUNNING');
    h.clock.advance(2_000);
    await h.gateway!.lifecycle.sweep();
    await h.gateway!.dispatcher.idle();
    await sleep(200);
    expect(fake.dispatches()).toHaveLength(1);
  });

  it('takes no report for lost while it is more than a batch behind, whichever agent it is', async () => {
    const busy = await fakeAgent('busy');
    const quiet = await fakeAgent('quiet');
    hold();
    await busy.send(unknownReports(busy, 1));
    await h.waitFor('the first batch held', async () => h.gateway!.bridge.ingesting(busy.id));
    expect(h.gateway!.bridge.ingesting(quiet.id)).toBe(false);
    // 5 events queued behind the held batch: more than maxBatchEvents (4).
    await busy.send(unknownReports(busy, 5));
    await h.waitFor('the backlog', async () => h.gateway!.bridge.ingesting(quiet.id));
    release();
    await h.idle();
    expect(h.gateway!.bridge.ingesting(quiet.id)).toBe(false);
  });

  it('still dispatches again a report whose agent has sent nothing', async () => {
    const { fake, id } = await enabledAgent('silent');
    const { jobId } = await h.createJob([{ type: 'DELETE_FILE', filePath: 'a' }], [id]);
    await h.runJob(jobId);
    await h.waitFor('the dispatch', async () => fake.dispatches()[0]);
    h.clock.advance(2_000);
    await h.gateway!.lifecycle.sweep();
    await h.waitFor('the second dispatch', async () => fake.dispatches().length === 2);
  });

  it('drops a resend of an event still waiting to be stored, and acknowledges the event once stored', async () => {
    const fake = await fakeAgent('resender');
    const events = unknownReports(fake, 3);
    hold();
    await fake.send(events);
    await fake.send(events);
    await fake.send(events.slice(1));
    await sleep(100);
    release();
    await h.idle();
    expect(calls.flatMap(seqsOf).sort()).toEqual(events.map((e) => e.seq));
    await h.waitFor('the acks', async () => events.every((e) => fake.acked(e.seq)));
    // Stored: a resend now is stored (a no-op) and acknowledged again.
    await fake.send(events.slice(0, 1));
    await h.waitFor('the resend stored', async () => calls.flatMap(seqsOf).length === 4);
  });

  it('stores a backlog in transactions of bounded size, each acknowledged as it commits', async () => {
    const fake = await fakeAgent('backlog');
    hold();
    const sent: AgentEvent[] = [];
    for (let i = 0; i < 5; i++) {
      const events = unknownReports(fake, 2);
      sent.push(...events);
      await fake.send(events);
    }
    await sleep(100);
    release();
    await h.idle();
    expect(calls.length).toBeGreaterThanOrEqual(3);
    for (const call of calls) expect(seqsOf(call).length).toBeLessThanOrEqual(4);
    await h.waitFor('the acks', async () => sent.every((e) => fake.acked(e.seq)));
  });

  it('stores the other messages of a batch when one of them cannot be stored', async () => {
    const fake = await fakeAgent('poisoned');
    const [good1, bad, good2, good3] = [unknownReports(fake, 1), unknownReports(fake, 1, 'poison'), unknownReports(fake, 1), unknownReports(fake, 1)];
    hold();
    // The first message waits alone in the held transaction; the next four make the next batch.
    await fake.send(unknownReports(fake, 1));
    await sleep(50);
    for (const events of [good1, bad, good2, good3]) await fake.send(events);
    await sleep(100);
    release();
    await h.idle();
    await h.waitFor('the acks of the good ones', async () => [good1, good2, good3].every(([e]) => fake.acked(e.seq)));
    expect(fake.acked(bad[0].seq)).toBe(false);
    // Halves, not one transaction per message: [4] → [2] → [1] ok, [1] fails; [2] ok.
    expect(calls.slice(1).map((c) => c.length)).toEqual([4, 2, 1, 1, 2]);
  });
});
