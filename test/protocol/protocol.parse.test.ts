import {
  buildAck,
  buildCancel,
  buildDispatch,
  buildEventBatch,
  buildOnlineStatus,
  encodeMessage,
  eventIdentity,
  parseAgentMessage,
  parseCommand,
  parseMessage,
  ProtocolBuildError,
  toSeqRanges,
  type AgentEvent,
} from '../../src/protocol';

const events = 'sdes/v1/agents/store-1/events';
const commands = 'sdes/v1/agents/store-1/commands';
const status = 'sdes/v1/agents/store-1/status';

const started: AgentEvent = { seq: 1, reportId: 'r', at: 10, type: 'step.started', taskId: 3, stepId: 'a', stepType: 'COPY_FILE', startTime: 10 };

describe('parseMessage', () => {
  it('accepts a dispatch with a nested IF step tree', () => {
    const dispatch = buildDispatch({
      reportId: 'r-1',
      tasks: [
        {
          taskId: 1,
          steps: [
            {
              id: 1,
              type: 'IF',
              order: 0,
              conditions: [{ id: 2, type: 'GET_FILE_STATUS', order: 0, filePath: 'a' }],
              true: [{ id: 3, type: 'COPY_FILE', order: 0, filePath: 'a', targetFilePath: 'b', overWrite: 'COMPARE_OVERWRITE', retryInterval: null }],
            },
          ],
        },
      ],
    });
    const parsed = parseCommand(commands, encodeMessage(dispatch), 'store-1');
    expect(parsed).toEqual({ ok: true, value: { channel: 'commands', clientId: 'store-1', message: dispatch } });
  });

  it('round-trips status, events, acks and cancels', () => {
    const online = buildOnlineStatus({ at: 1, role: 'SERVER', version: '1.0.0', ip: null, hostname: 'h', roots: ['/srv'], stream: 's' });
    expect(parseAgentMessage(status, encodeMessage(online))).toMatchObject({ ok: true, value: { channel: 'status', message: online } });
    const batch = buildEventBatch('s', [started]);
    expect(parseAgentMessage(events, encodeMessage(batch))).toMatchObject({ ok: true, value: { channel: 'events', message: batch } });
    expect(parseCommand(commands, encodeMessage(buildAck('s', [1, 2, 3, 5])))).toMatchObject({
      ok: true,
      value: {
        message: {
          ranges: [
            [1, 3],
            [5, 5],
          ],
        },
      },
    });
    expect(parseCommand(commands, encodeMessage(buildCancel('r', 'why')))).toMatchObject({ ok: true, value: { message: { type: 'cancel', reason: 'why' } } });
  });

  it.each([
    ['a foreign topic', 'other/topic', '{}', 'TOPIC', /not an SDES agent topic/],
    ['an empty payload', status, '', 'EMPTY', /empty payload/],
    ['text that is not JSON', events, '{oops', 'JSON', /not JSON/],
    ['JSON null', events, 'null', 'VERSION', /unsupported protocol version undefined/],
    ['another protocol version', events, '{"v":2}', 'VERSION', /unsupported protocol version 2 .*speaks v1/],
    [
      'an unknown step type',
      commands,
      '{"v":1,"type":"dispatch","reportId":"r","tasks":[{"taskId":1,"steps":[{"id":1,"order":0,"type":"FORMAT"}]}]}',
      'SCHEMA',
      /tasks\.0\.steps\.0\.type/,
    ],
    ['an unknown event type', events, '{"v":1,"stream":"s","events":[{"type":"x","seq":1,"reportId":"r","at":1}]}', 'SCHEMA', /events\.0\.type/],
  ])('refuses %s without throwing', (_what, topic, payload, code, error) => {
    const result = parseMessage(topic, Buffer.from(payload));
    expect(result).toMatchObject({ ok: false, code });
    expect(!result.ok && result.error).toMatch(error);
  });

  it('never throws, whatever arrives', () => {
    const depth = 20_000;
    const deep = `${'{"id":1,"type":"IF","order":0,"true":['.repeat(depth)}{"id":1,"type":"COPY_FILE","order":0}${']}'.repeat(depth)}`;
    const deepDispatch = `{"v":1,"type":"dispatch","reportId":"r","tasks":[{"taskId":1,"steps":[${deep}]}]}`;
    const inputs = [Buffer.from([0xff, 0x00, 0xfe]), '[]', '"text"', '{"v":1}', '{"v":1,"events":[null]}', deepDispatch];
    for (const topic of [status, events, commands, 'sdes/v1/agents//events', '']) {
      for (const input of inputs) expect(() => parseMessage(topic, Buffer.from(input))).not.toThrow();
    }
    expect(parseMessage(commands, deepDispatch)).toMatchObject({ ok: false, error: expect.stringMatching(/nested deeper than 128 levels/) });
  });

  it('keeps agents and gateways to their own channels', () => {
    const ack = encodeMessage(buildAck('s', [1]));
    expect(parseAgentMessage(commands, ack)).toMatchObject({ ok: false, code: 'TOPIC' });
    expect(parseCommand(events, ack)).toMatchObject({ ok: false, code: 'TOPIC' });
    expect(parseCommand('sdes/v1/agents/someone-else/commands', ack, 'store-1')).toMatchObject({ ok: false, code: 'TOPIC' });
  });
});

describe('protocol builders', () => {
  it('refuse a dispatch the agent would refuse, naming the field', () => {
    expect(() => buildDispatch({ reportId: '', tasks: [] })).toThrow(ProtocolBuildError);
    expect(() => buildDispatch({ reportId: '', tasks: [] })).toThrow(/reportId/);
  });

  it('compress acknowledged seqs into ranges', () => {
    expect(toSeqRanges([5, 1, 2, 3, 3, 9, 8])).toEqual([
      [1, 3],
      [5, 5],
      [8, 9],
    ]);
  });

  it('give an event the same identity whatever its seq', () => {
    expect(eventIdentity({ ...started, seq: 9 })).toBe(eventIdentity(started));
    expect(eventIdentity({ ...started, type: 'step.finished', status: 'SUCCESS', endTime: 11, attempts: 1 })).not.toBe(eventIdentity(started));
  });
});
