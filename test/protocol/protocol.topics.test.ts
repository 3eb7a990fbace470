import {
  commandsTopic,
  eventsTopic,
  gatewaySubscriptions,
  isValidClientId,
  parseAgentTopic,
  parseTransferSessionTopic,
  statusTopic,
  transferSessionTopic,
} from '../../src/protocol';

describe('protocol topics', () => {
  it('scopes every topic of an agent under sdes/v1/agents/{clientId}', () => {
    expect(statusTopic('store-1')).toBe('sdes/v1/agents/store-1/status');
    expect(eventsTopic('store-1')).toBe('sdes/v1/agents/store-1/events');
    expect(commandsTopic('store-1')).toBe('sdes/v1/agents/store-1/commands');
  });

  it.each(['', 'a/b', 'a+', '#', 'x'.repeat(129)])('refuses the client id %j, which cannot be one topic level', (clientId) => {
    expect(isValidClientId(clientId)).toBe(false);
    expect(() => statusTopic(clientId)).toThrow(/cannot be used in a topic/);
  });

  it('reads a topic back into client id and channel, and rejects anything else', () => {
    expect(parseAgentTopic('sdes/v1/agents/store-1/events')).toEqual({ clientId: 'store-1', channel: 'events' });
    expect(parseAgentTopic('sdes/v2/agents/store-1/events')).toBeNull();
    expect(parseAgentTopic('sdes/v1/agents/store-1/other')).toBeNull();
    expect(parseAgentTopic('sdes/v1/agents/a/b/events')).toBeNull();
  });

  it('gives the gateway wildcard filters, shared when a share group is named', () => {
    expect(gatewaySubscriptions()).toEqual({
      status: 'sdes/v1/agents/+/status',
      events: 'sdes/v1/agents/+/events',
      transferUp: 'sdes/v1/agents/+/transfer-up',
      transferSessions: 'sdes/v1/transfers/+/+',
    });
    expect(gatewaySubscriptions({ shareGroup: 'gw' })).toEqual({
      status: 'sdes/v1/agents/+/status',
      events: '$share/gw/sdes/v1/agents/+/events',
      transferUp: '$share/gw/sdes/v1/agents/+/transfer-up',
      transferSessions: 'sdes/v1/transfers/+/+',
    });
  });

  it('names one upload session topic per sender and file, and reads it back', () => {
    expect(transferSessionTopic('hq-1', 42)).toBe('sdes/v1/transfers/hq-1/42');
    expect(parseTransferSessionTopic('sdes/v1/transfers/hq-1/42')).toEqual({ clientId: 'hq-1', fileId: 42 });
    expect(parseTransferSessionTopic('sdes/v1/transfers/hq-1/0')).toBeNull();
    expect(parseTransferSessionTopic('sdes/v1/transfers/hq-1/+')).toBeNull();
    expect(parseTransferSessionTopic('sdes/v1/transfers/+/42')).toBeNull();
    expect(parseTransferSessionTopic('sdes/v1/transfers/hq-1/42/x')).toBeNull();
  });
});
