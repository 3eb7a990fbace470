import { createResendSchedule, resendDelayMs } from '../../src/protocol';

describe('resendDelayMs', () => {
  it.each([
    [0, 10_000],
    [1, 20_000],
    [2, 40_000],
    [4, 160_000],
    [5, 160_000],
    [1000, 160_000],
  ])('waits base × 2^%i up to 16 × base without jitter: %i ms', (resends, ms) => {
    expect(resendDelayMs(resends, { baseMs: 10_000, random: () => 0 })).toBe(ms);
  });

  it('stretches a wait by at most half with the default jitter, never shortens it', () => {
    expect(resendDelayMs(0, { baseMs: 1_000, random: () => 0.999 })).toBe(1_500);
    expect(resendDelayMs(0, { baseMs: 1_000, random: () => 0.5 })).toBe(1_250);
  });
});

describe('createResendSchedule', () => {
  const schedule = () => createResendSchedule({ baseMs: 1_000, random: () => 0 });

  it('makes an event due after the base wait, then twice as long after each resend', () => {
    const s = schedule();
    s.sent([1], 0);
    expect(s.due(999)).toEqual([]);
    expect(s.due(1_000)).toEqual([1]);
    s.sent([1], 1_000);
    expect(s.nextDueAt()).toBe(3_000);
    s.sent([1], 3_000);
    expect(s.nextDueAt()).toBe(7_000);
  });

  it('starts the waiting events again from the base wait when an ack arrives', () => {
    const s = schedule();
    s.sent([1, 2], 0);
    s.sent([1, 2], 1_000);
    s.sent([1, 2], 3_000);
    expect(s.nextDueAt()).toBe(7_000);
    s.acknowledged([1], 4_000);
    expect(s.has(1)).toBe(false);
    expect(s.nextDueAt()).toBe(5_000);
    // And doubles again from there.
    s.sent([2], 5_000);
    expect(s.nextDueAt()).toBe(7_000);
  });

  it('never resends an event ahead of an earlier one still waiting, whatever the jitter', () => {
    const jitters = [0.9, 0];
    const s = createResendSchedule({ baseMs: 1_000, random: () => jitters.shift() ?? 0 });
    s.sent([1], 0); // due at 1,450
    s.sent([2], 10); // due at 1,010
    expect(s.due(1_010)).toEqual([1, 2]);
    expect(s.due(1_000)).toEqual([]);
  });

  it('keeps the backoff when an ack covers none of its events', () => {
    const s = schedule();
    s.sent([1], 0);
    s.sent([1], 1_000);
    s.acknowledged([7], 1_500);
    expect(s.nextDueAt()).toBe(3_000);
  });
});
