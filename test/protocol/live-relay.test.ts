import { gatewayPresenceTopic, gatewaySubscriptionFor, liveRelayTopic, parseGatewayPresence, parseLiveRelay, parseLiveRelayTopic } from '../../src/protocol';

const message = (origin: string, events: unknown[]) => JSON.stringify({ v: 1, origin, events });
const progress = { level: 'STEP', runId: 3, jobId: 2, reportId: 'r-1', clientId: 7, taskId: 4, stepId: 9, status: 'SUCCESS', startTime: 1, endTime: 2, at: 3 };

describe('live relay topics', () => {
  it('scope a gateway by installation and instance', () => {
    expect(liveRelayTopic('inst1', 'gw_a')).toBe('sdes/v1/gateways/inst1/gw_a/live');
    expect(gatewayPresenceTopic('inst1', 'gw_a')).toBe('sdes/v1/gateways/inst1/gw_a/presence');
    expect(gatewaySubscriptionFor('inst1')).toBe('sdes/v1/gateways/inst1/+/+');
    expect(parseLiveRelayTopic('sdes/v1/gateways/inst1/gw_a/live')).toEqual({ installation: 'inst1', origin: 'gw_a' });
  });

  it.each([
    'sdes/v1/agents/a/events',
    'sdes/v1/gateways/inst1/live',
    'sdes/v1/gateways/inst1/gw a/live',
    'sdes/v1/gateways/inst1/gw/other',
    'sdes/v2/gateways/inst1/gw/live',
  ])('refuse %s', (topic) => {
    expect(parseLiveRelayTopic(topic)).toBeNull();
  });

  it('refuse ids that are not one topic level', () => {
    expect(() => liveRelayTopic('a/b', 'gw')).toThrow(/installation id/);
    expect(() => liveRelayTopic('inst', '+')).toThrow(/gateway instance id/);
  });
});

describe('parseLiveRelay', () => {
  const topic = liveRelayTopic('inst1', 'gw1');

  it('reads the events of every live topic', () => {
    const events = [
      { topic: 'EXECUTION_PROGRESS', payload: progress },
      {
        topic: 'STEP_MESSAGE',
        payload: { runId: 3, jobId: 2, reportId: 'r-1', clientId: 7, taskId: 4, stepId: 9, startTime: 1, endTime: 2, message: 'copied' },
      },
      { topic: 'CLIENT_STATUS', payload: { clientId: 7, mqttClientId: 'store-1', status: 'ONLINE', at: 5 } },
      { topic: 'ENTITY_CHANGED', payload: { entity: 'JOB', action: 'CREATED', id: 2, at: 6 } },
    ];
    const parsed = parseLiveRelay(topic, message('gw1', events));
    expect(parsed).toEqual({ ok: true, value: { installation: 'inst1', origin: 'gw1', message: { v: 1, origin: 'gw1', events } } });
  });

  it.each([
    ['not JSON', 'nope', 'JSON'],
    ['another version', JSON.stringify({ v: 2, origin: 'gw1', events: [] }), 'VERSION'],
    ['no events', message('gw1', []), 'SCHEMA'],
    ['an unknown topic', message('gw1', [{ topic: 'OTHER', payload: {} }]), 'SCHEMA'],
    ['a payload of the wrong shape', message('gw1', [{ topic: 'EXECUTION_PROGRESS', payload: { ...progress, level: 'NOPE' } }]), 'SCHEMA'],
    ["an origin that is not the topic's", message('gw2', [{ topic: 'EXECUTION_PROGRESS', payload: progress }]), 'SCHEMA'],
  ])('refuses %s', (_case, payload, code) => {
    const parsed = parseLiveRelay(topic, payload);
    expect(parsed).toMatchObject({ ok: false, code });
  });

  it('refuses another topic', () => {
    expect(parseLiveRelay('sdes/v1/agents/a/status', message('gw1', [{ topic: 'EXECUTION_PROGRESS', payload: progress }]))).toMatchObject({
      ok: false,
      code: 'TOPIC',
    });
  });
});

describe('parseGatewayPresence', () => {
  const topic = gatewayPresenceTopic('inst1', 'gw1');

  it('reads a running gateway and a cleared presence', () => {
    expect(parseGatewayPresence(topic, JSON.stringify({ v: 1, origin: 'gw1' }))).toEqual({
      ok: true,
      value: { installation: 'inst1', origin: 'gw1', present: true },
    });
    expect(parseGatewayPresence(topic, Buffer.alloc(0))).toEqual({ ok: true, value: { installation: 'inst1', origin: 'gw1', present: false } });
  });

  it('refuses another origin, bad JSON and a live topic', () => {
    expect(parseGatewayPresence(topic, JSON.stringify({ v: 1, origin: 'gw2' }))).toMatchObject({ ok: false, code: 'SCHEMA' });
    expect(parseGatewayPresence(topic, '{')).toMatchObject({ ok: false, code: 'JSON' });
    expect(parseGatewayPresence(liveRelayTopic('inst1', 'gw1'), JSON.stringify({ v: 1, origin: 'gw1' }))).toMatchObject({ ok: false, code: 'TOPIC' });
  });
});
