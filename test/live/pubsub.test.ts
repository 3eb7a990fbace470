import { createLivePubSub } from '../../src/live/pubsub';

const progress = (runId: number) => ({ level: 'RUN' as const, runId, jobId: 1, status: 'RUNNING', at: runId });

describe('createLivePubSub', () => {
  it('delivers each published event to every subscriber of its topic only', async () => {
    const pubsub = createLivePubSub();
    const a = pubsub.subscribe('EXECUTION_PROGRESS');
    const b = pubsub.subscribe('EXECUTION_PROGRESS');
    const other = pubsub.subscribe('CLIENT_STATUS');
    const firstA = a.next();
    const firstB = b.next();
    await Promise.resolve();
    pubsub.publish('EXECUTION_PROGRESS', progress(1));
    expect((await firstA).value).toMatchObject({ runId: 1 });
    expect((await firstB).value).toMatchObject({ runId: 1 });
    const pending = other.next();
    pubsub.publish('CLIENT_STATUS', { clientId: 9, mqttClientId: 'x', status: 'ONLINE', at: 1 });
    expect((await pending).value).toMatchObject({ clientId: 9 });
    await Promise.all([a.return?.(), b.return?.(), other.return?.()]);
  });

  it('keeps the newest events of a slow subscriber and never throws at the publisher', async () => {
    const pubsub = createLivePubSub({ bufferSize: 100 });
    const slow = pubsub.subscribe('EXECUTION_PROGRESS');
    const first = slow.next(); // starts the subscription
    await Promise.resolve();
    // A fan-out publishes thousands of events in one synchronous burst.
    expect(() => {
      for (let i = 1; i <= 5000; i++) pubsub.publish('EXECUTION_PROGRESS', progress(i));
    }).not.toThrow();
    expect((await first).value).toMatchObject({ runId: 1 });
    const seen: number[] = [];
    for (let i = 0; i < 100; i++) seen.push(((await slow.next()).value as { runId: number }).runId);
    expect(seen[seen.length - 1]).toBe(5000);
    expect(seen[0]).toBe(4901);
    await slow.return?.();
  });

  it('stops delivering to a subscriber that returned', async () => {
    const pubsub = createLivePubSub();
    const sub = pubsub.subscribe('STEP_MESSAGE');
    const next = sub.next();
    await Promise.resolve();
    await sub.return?.();
    expect((await next).done).toBe(true);
    expect(() =>
      pubsub.publish('STEP_MESSAGE', { runId: 1, jobId: 1, reportId: 'r', clientId: 1, taskId: 1, stepId: 1, startTime: 0, endTime: 0, message: 'm' }),
    ).not.toThrow();
  });
});
