import {
  authenticateEvents,
  authenticateStatus,
  buildOfflineStatus,
  encodeMessage,
  eventsTopic,
  statusTopic,
  verifyEvents,
  verifyStatus,
} from '../../src/protocol';

describe('status authentication', () => {
  const key = Buffer.alloc(32, 1);
  const topic = statusTopic('store-042');
  const will = authenticateStatus(key, topic, encodeMessage(buildOfflineStatus({ at: 1_767_225_600_000, reason: 'will' })));

  it('verifies a sealed Will and gives back the status without its HMAC', () => {
    const checked = verifyStatus(key, topic, will);
    expect(checked.ok && JSON.parse(checked.body.toString())).toEqual({ v: 1, status: 'OFFLINE', at: 1_767_225_600_000, reason: 'will' });
  });

  it('refuses a Will whose connection time was changed', () => {
    const moved = Buffer.from(will.toString().replace('1767225600000', '1767225699999'));
    expect(verifyStatus(key, topic, moved)).toEqual({ ok: false, error: 'status HMAC does not match the agent key' });
  });

  it("refuses another agent's status replayed on this topic", () => {
    const other = authenticateStatus(key, statusTopic('store-043'), encodeMessage(buildOfflineStatus({ at: 1, reason: 'stopped' })));
    expect(verifyStatus(key, topic, other).ok).toBe(false);
  });

  it('keeps statuses and event batches apart: one HMAC never passes for the other', () => {
    const body = Buffer.from('{"v":1,"status":"OFFLINE","at":1,"reason":"stopped"}');
    expect(verifyEvents(key, topic, authenticateStatus(key, topic, body)).ok).toBe(false);
    expect(verifyStatus(key, eventsTopic('store-042'), authenticateEvents(key, eventsTopic('store-042'), body)).ok).toBe(false);
    expect(verifyStatus(key, topic, authenticateEvents(key, topic, body)).ok).toBe(false);
  });

  it('names what is missing on a status without HMAC', () => {
    expect(verifyStatus(key, topic, encodeMessage(buildOfflineStatus({ at: 1, reason: 'stopped' })))).toEqual({
      ok: false,
      error: 'unauthenticated status: no "mac" field at the end of the message',
    });
  });
});
