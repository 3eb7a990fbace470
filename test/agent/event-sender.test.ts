import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../src/runtime/logger';
import { systemClock } from '../../src/runtime/clock';
import { openEventJournal, type EventJournal } from '../../src/agent/event-journal';
import { createEventSender, type EventSender } from '../../src/agent/event-sender';
import type { AgentEventDraft, EventBatch } from '../../src/protocol';

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
    // Fake timers: the linger is about time, and a busy machine must not decide the outcome.
    jest.useFakeTimers();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sdes-sender-'));
    journal = openEventJournal({ stateDir: dir, clock: systemClock });
    sent.length = 0;
  });
  afterEach(() => {
    sender?.stop();
    jest.useRealTimers();
    journal.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const start = (lingerMs: number) => {
    sender = createEventSender({
      journal,
      clock: systemClock,
      logger: silentLogger(),
      isConnected: () => true,
      publish: (batch) => sent.push(batch),
      lingerMs,
    });
    return sender;
  };

  it('sends the events produced within the linger in one message', () => {
    const s = start(50);
    for (let i = 1; i <= 3; i++) {
      s.submit(draft(i));
      jest.advanceTimersByTime(20);
    }
    // 0, 20 and 40 ms: all within the 50 ms the first one waits.
    expect(sent.map((b) => b.events.map((e) => e.seq))).toEqual([[1, 2, 3]]);
    s.submit(draft(4));
    jest.advanceTimersByTime(49);
    expect(sent).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(sent.map((b) => b.events.map((e) => e.seq))).toEqual([[1, 2, 3], [4]]);
  });

  it('without a linger sends each tick on its own', () => {
    const s = start(0);
    for (let i = 1; i <= 3; i++) {
      s.submit(draft(i));
      jest.runOnlyPendingTimers();
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
