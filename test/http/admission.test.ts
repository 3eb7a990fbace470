import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import {
  admissionLimitsFromEnv,
  admitHttp,
  callerOf,
  createAdmission,
  DEFAULT_ADMISSION_LIMITS,
  inputCost,
  type AdmissionLimits,
  type Release,
} from '../../src/http/admission';
import { AppError } from '../../src/services/errors';
import type { SetTimer } from '../../src/runtime/timers';

/** Timers the test fires by hand. */
function manualTimers() {
  const armed = new Set<{ fn: () => void; ms: number }>();
  const setTimer: SetTimer = (fn, ms) => {
    const t = { fn, ms };
    armed.add(t);
    return () => armed.delete(t);
  };
  const fireAll = () => {
    for (const t of [...armed]) {
      armed.delete(t);
      t.fn();
    }
  };
  return { setTimer, fireAll, armed };
}

/** Waits never time out unless a test fires them: a real timer would reject a waiter left queued at the end of a test later, in another test file of the same worker. */
const idle: SetTimer = () => () => undefined;

const costly = 10_000;
const limits: Partial<AdmissionLimits> = { costlyAbove: 2_000, slots: 2, maxQueued: 4, maxQueuedPerCaller: 3, maxWaitMs: 5_000 };

/** Records the order in which requests are admitted. */
function recorder(admission: ReturnType<typeof createAdmission>) {
  const order: string[] = [];
  const releases = new Map<string, Release>();
  const admit = (name: string, caller: string) =>
    admission.admit({ caller, cost: costly }).then((release) => {
      order.push(name);
      releases.set(name, release);
    });
  return { order, releases, admit };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('createAdmission', () => {
  it('lets a request at or under the threshold through at once, whatever is running', async () => {
    const admission = createAdmission({ setTimer: idle, limits: { ...limits, slots: 1 } });
    await admission.admit({ caller: 'a', cost: costly });
    await expect(admission.admit({ caller: 'a', cost: 2_000 })).resolves.toBeInstanceOf(Function);
    expect(admission.stats()).toEqual({ running: 1, queued: 0 });
  });

  it('runs as many costly requests as it has slots and queues the next', async () => {
    const admission = createAdmission({ setTimer: idle, limits });
    const { order, admit } = recorder(admission);
    void admit('1', 'a');
    void admit('2', 'a');
    void admit('3', 'a');
    await flush();
    expect(order).toEqual(['1', '2']);
    expect(admission.stats()).toEqual({ running: 2, queued: 1 });
  });

  it('gives a freed slot to the next waiter', async () => {
    const admission = createAdmission({ setTimer: idle, limits });
    const { order, releases, admit } = recorder(admission);
    for (const name of ['1', '2', '3']) void admit(name, 'a');
    await flush();
    releases.get('1')!();
    await flush();
    expect(order).toEqual(['1', '2', '3']);
    expect(admission.stats()).toEqual({ running: 2, queued: 0 });
  });

  it('gives a freed slot to the waiting caller that holds the fewest, not to the earliest', async () => {
    const admission = createAdmission({ setTimer: idle, limits });
    const { order, releases, admit } = recorder(admission);
    for (const name of ['a1', 'a2', 'a3', 'a4']) void admit(name, 'a');
    await flush();
    void admit('b1', 'b');
    await flush();
    releases.get('a1')!();
    await flush();
    expect(order).toEqual(['a1', 'a2', 'b1']);
    releases.get('a2')!();
    await flush();
    expect(order).toEqual(['a1', 'a2', 'b1', 'a3']);
  });

  it('counts a slot released twice once', async () => {
    const admission = createAdmission({ setTimer: idle, limits: { ...limits, slots: 1 } });
    const release = await admission.admit({ caller: 'a', cost: costly });
    release();
    release();
    expect(admission.stats()).toEqual({ running: 0, queued: 0 });
  });

  it('refuses RATE_LIMITED, naming the limit, when the queue is full', async () => {
    const admission = createAdmission({ setTimer: idle, limits: { ...limits, slots: 1, maxQueuedPerCaller: 4 } });
    for (let i = 0; i < 5; i++) void admission.admit({ caller: `c${i}`, cost: costly });
    const refusal = admission.admit({ caller: 'late', cost: costly });
    await expect(refusal).rejects.toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 5 });
    await expect(refusal).rejects.toThrow(/4 already wait, the most that may \(SDES_ADMISSION_QUEUE\); try again in 5 s/);
  });

  it('refuses a caller whose share of the queue is full, while others may still wait', async () => {
    const admission = createAdmission({ setTimer: idle, limits: { ...limits, slots: 1 } });
    for (let i = 0; i < 4; i++) void admission.admit({ caller: 'a', cost: costly });
    await expect(admission.admit({ caller: 'a', cost: costly })).rejects.toThrow(/3 of yours already wait.*SDES_ADMISSION_QUEUE_PER_CALLER/);
    void admission.admit({ caller: 'b', cost: costly });
    expect(admission.stats()).toEqual({ running: 1, queued: 4 });
  });

  it('refuses everything sent with the credential of a caller whose share is full, and nothing else', async () => {
    const admission = createAdmission({ setTimer: idle, limits: { ...limits, slots: 1, maxQueuedPerCaller: 2 } });
    void admission.admit({ caller: 'a', cost: costly, credential: 'key of a' });
    expect(admission.gate('key of a')).toBeNull();
    void admission.admit({ caller: 'a', cost: costly, credential: 'key of a' });
    void admission.admit({ caller: 'a', cost: costly, credential: 'key of a' });
    expect(admission.gate('key of a')).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringMatching(/2 of yours already wait/) });
    expect(admission.gate('key of b')).toBeNull();
    expect(admission.gate(undefined)).toBeNull();
  });

  it('refuses a request that waited maxWaitMs, and takes it out of the queue', async () => {
    const timers = manualTimers();
    const admission = createAdmission({ limits: { ...limits, slots: 1 }, setTimer: timers.setTimer });
    await admission.admit({ caller: 'a', cost: costly });
    const waiting = admission.admit({ caller: 'b', cost: costly });
    expect([...timers.armed].map((t) => t.ms)).toEqual([5_000]);
    timers.fireAll();
    await expect(waiting).rejects.toThrow(/none came within 5000 ms, the longest a request waits \(SDES_ADMISSION_WAIT_MS\)/);
    expect(admission.stats()).toEqual({ running: 1, queued: 0 });
  });

  it('takes an aborted request out of the queue', async () => {
    const admission = createAdmission({ setTimer: idle, limits: { ...limits, slots: 1 } });
    await admission.admit({ caller: 'a', cost: costly });
    const gone = new AbortController();
    const waiting = admission.admit({ caller: 'b', cost: costly, signal: gone.signal });
    gone.abort();
    await expect(waiting).rejects.toBeInstanceOf(AppError);
    expect(admission.stats()).toEqual({ running: 1, queued: 0 });
  });
});

describe('admitHttp', () => {
  /** An answer whose connection is open or already closed, as node:http has it. */
  const response = (closed: boolean) => Object.assign(new EventEmitter(), { closed, req: { headers: {} } }) as unknown as ServerResponse;

  it('gives the slot back when the answer is sent', async () => {
    const admission = createAdmission({ setTimer: idle, limits: { ...limits, slots: 1 } });
    const res = response(false);
    await admitHttp(admission, res, { caller: 'a', cost: costly });
    expect(admission.stats().running).toBe(1);
    res.emit('close');
    expect(admission.stats().running).toBe(0);
  });

  it('gives the slot back at once when the client went away before admission', async () => {
    const admission = createAdmission({ setTimer: idle, limits: { ...limits, slots: 1 } });
    await admitHttp(admission, response(true), { caller: 'a', cost: costly });
    expect(admission.stats()).toEqual({ running: 0, queued: 0 });
  });

  it('does not queue a request whose client went away', async () => {
    const admission = createAdmission({ setTimer: idle, limits: { ...limits, slots: 1 } });
    await admission.admit({ caller: 'b', cost: costly });
    await expect(admitHttp(admission, response(true), { caller: 'a', cost: costly })).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    expect(admission.stats()).toEqual({ running: 1, queued: 0 });
  });
});

describe('inputCost', () => {
  it.each([
    [0, 0],
    [10, 1],
    [86_121, 8_613],
  ])('counts %i bytes as %i', (bytes, cost) => expect(inputCost(bytes)).toBe(cost));
});

describe('callerOf', () => {
  it.each([
    ['a user, whatever the session,', { kind: 'user', userId: 3, username: 'ann', role: 'admin', sessionId: 9, door: 'rest' }, 'user:3'],
    ['an API key', { kind: 'apikey', apiKeyId: 4, keyId: 'k', name: 'ci', role: 'admin', door: 'graphql' }, 'apikey:4'],
    ['an anonymous request', { kind: 'anonymous', address: '10.0.0.1', door: 'graphql' }, 'address:10.0.0.1'],
  ] as const)('names %s %p', (_what, actor, caller) => expect(callerOf(actor)).toBe(caller));
});

describe('admissionLimitsFromEnv', () => {
  it('reads every limit from its variable', () => {
    expect(
      admissionLimitsFromEnv({
        SDES_ADMISSION_COSTLY_ABOVE: '5000',
        SDES_ADMISSION_SLOTS: '3',
        SDES_ADMISSION_QUEUE: '10',
        SDES_ADMISSION_QUEUE_PER_CALLER: '2',
        SDES_ADMISSION_WAIT_MS: '1000',
      }),
    ).toEqual({ costlyAbove: 5000, slots: 3, maxQueued: 10, maxQueuedPerCaller: 2, maxWaitMs: 1000 });
  });

  it('keeps the defaults without them', () => expect(admissionLimitsFromEnv({})).toEqual(DEFAULT_ADMISSION_LIMITS));

  it.each(['0', '-1', '1.5', 'two'])('refuses SDES_ADMISSION_SLOTS=%s, naming it', (raw) =>
    expect(() => admissionLimitsFromEnv({ SDES_ADMISSION_SLOTS: raw })).toThrow(`SDES_ADMISSION_SLOTS="${raw}": expected an integer from 1`),
  );
});
