import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../src/runtime/logger';
import { systemClock } from '../../src/runtime/clock';
import { openEventJournal, type EventJournal } from '../../src/agent/event-journal';
import { createEventSender, type EventSender } from '../../src/agent/event-sender';
import { buildAck, type AgentEventDraft, type EventBatch } from '../../src/protocol';
import type { SetTimer } from '../../src/runtime/timers';
import { ManualClock } from '../support/clock';

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

describe('event sender: resends', () => {
  let dir: string;
  let journal: EventJournal;
  let sender: EventSender | undefined;
  let clock: ManualClock;
  let timers: { at: number; fn: () => void; cancelled: boolean }[];
  const sent: number[][] = [];

  /** Timers on the manual clock: `advance` moves it and runs what has come due, in order. */
  const setTimer: SetTimer = (fn, ms) => {
    const timer = { at: clock.now().getTime() + ms, fn, cancelled: false };
    timers.push(timer);
    return () => void (timer.cancelled = true);
  };
  const advance = (ms: number) => {
    const end = clock.now().getTime() + ms;
    for (;;) {
      const next = timers.filter((t) => !t.cancelled && t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      next.cancelled = true;
      clock.set(Math.max(clock.now().getTime(), next.at));
      next.fn();
    }
    clock.set(end);
  };
  /** How many messages carried this seq. */
  const sendsOf = (seq: number) => sent.filter((batch) => batch.includes(seq)).length;

  beforeEach(() => {
    clock = new ManualClock(0);
    timers = [];
    sent.length = 0;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sdes-sender-'));
    journal = openEventJournal({ stateDir: dir, clock });
    sender = createEventSender({
      journal,
      clock,
      setTimer,
      logger: silentLogger(),
      isConnected: () => true,
      publish: (batch) => sent.push(batch.events.map((e) => e.seq)),
      lingerMs: 0,
      resendIntervalMs: 1_000,
      random: () => 0,
    });
    sender.start();
  });
  afterEach(() => {
    sender?.stop();
    journal.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const submitted = async (stepId: number) => {
    sender!.submit(draft(stepId));
    // lingerMs 0: the first send leaves on the next turn of the event loop.
    await new Promise((resolve) => setImmediate(resolve));
  };

  it('resends an unacknowledged event after 1, 2, 4 and 8 times the interval, then no more often than 16 times', async () => {
    await submitted(1);
    const at: number[] = [];
    for (let t = 0; t <= 60_000; t += 100) {
      const before = sendsOf(1);
      advance(100);
      if (sendsOf(1) > before) at.push(clock.now().getTime());
    }
    expect(at).toEqual([1_000, 3_000, 7_000, 15_000, 31_000, 47_000]);
  });

  it('starts again from the interval once an ack arrives', async () => {
    await submitted(1);
    await submitted(2);
    advance(7_000);
    // Sent at 0, resent at 1 s, 3 s, 7 s: the next one would be at 15 s.
    expect(sendsOf(2)).toBe(4);
    sender!.acknowledge(buildAck(journal.stream, [1]));
    advance(999);
    expect(sendsOf(2)).toBe(4);
    advance(1);
    expect(sendsOf(2)).toBe(5);
    expect(sendsOf(1)).toBe(4);
  });

  it('spreads the resends of a fleet over the jitter', () => {
    const waits = [0, 0.25, 0.5, 0.999].map((r) => {
      const c = new ManualClock(0);
      const journalDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sdes-sender-'));
      const j = openEventJournal({ stateDir: journalDir, clock: c });
      const armed: number[] = [];
      const s = createEventSender({
        journal: j,
        clock: c,
        setTimer: (_fn, ms) => (armed.push(ms), () => undefined),
        logger: silentLogger(),
        isConnected: () => true,
        publish: () => undefined,
        resendIntervalMs: 1_000,
        random: () => r,
      });
      s.start();
      j.append(draft(1));
      s.resendAll();
      s.stop();
      j.close();
      fs.rmSync(journalDir, { recursive: true, force: true });
      return armed[0];
    });
    expect(waits).toEqual([1_000, 1_125, 1_250, 1_500]);
  });
});
