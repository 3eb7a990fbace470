import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../src/agent/agent.logger';
import { systemClock } from '../../src/agent/clock';
import { openEventJournal, type EventJournal } from '../../src/agent/event-journal';
import { createEventSender, type EventSender } from '../../src/agent/event-sender';
import type { AgentEventDraft, EventBatch } from '../../src/protocol';

const tick = () => new Promise((resolve) => setImmediate(resolve));
const draft = (stepId: number): AgentEventDraft => ({
  type: 'step.started',
  reportId: 'r-1',
  taskId: 1,
  stepId,
  stepType: 'DELETE_FILE',
  startTime: Date.now(),
});

describe('event sender: linger', () => {
  let dir: string;
  let journal: EventJournal;
  let sender: EventSender | undefined;
  const sent: EventBatch[] = [];

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sdes-sender-'));
    journal = openEventJournal({ stateDir: dir, clock: systemClock });
    sent.length = 0;
  });
  afterEach(() => {
    sender?.stop();
    journal.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const start = (lingerMs: number) => {
    sender = createEventSender({ journal, clock: systemClock, logger: silentLogger, isConnected: () => true, publish: (batch) => sent.push(batch), lingerMs });
    return sender;
  };

  it('sends the events of several ticks within the linger in one message', async () => {
    const s = start(50);
    for (let i = 1; i <= 3; i++) {
      s.submit(draft(i));
      await tick();
    }
    expect(sent).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(sent).toHaveLength(1);
    expect(sent[0].events.map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it('without a linger sends each tick on its own', async () => {
    const s = start(0);
    for (let i = 1; i <= 3; i++) {
      s.submit(draft(i));
      await tick();
      await tick();
    }
    expect(sent.map((b) => b.events.map((e) => e.seq))).toEqual([[1], [2], [3]]);
  });

  it('sends what lingers at once on stop, and keeps it journaled until acked', () => {
    const s = start(60_000);
    s.submit(draft(1));
    s.submit(draft(2));
    expect(sent).toHaveLength(0);
    s.stop();
    expect(sent.map((b) => b.events.map((e) => e.seq))).toEqual([[1, 2]]);
    expect(journal.pending().map((e) => e.seq)).toEqual([1, 2]);
  });
});
