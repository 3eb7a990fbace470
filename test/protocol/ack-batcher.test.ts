import { createAckBatcher, type AckCommand } from '../../src/protocol';

describe('createAckBatcher', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('sends one ack per client and stream after the delay, with the seqs as ranges', () => {
    const sent: Array<[string, AckCommand]> = [];
    const acks = createAckBatcher({ delayMs: 50, publish: (clientId, ack) => sent.push([clientId, ack]) });
    for (const seq of [1, 2, 3, 4, 6]) acks.add('store-1', 's1', seq);
    acks.add('store-2', 's2', 1);
    expect(sent).toEqual([]);
    jest.advanceTimersByTime(50);
    expect(sent).toEqual([
      [
        'store-1',
        {
          v: 1,
          type: 'ack',
          stream: 's1',
          ranges: [
            [1, 4],
            [6, 6],
          ],
        },
      ],
      ['store-2', { v: 1, type: 'ack', stream: 's2', ranges: [[1, 1]] }],
    ]);
  });

  it('flushes what is pending when stopped', () => {
    const sent: string[] = [];
    const acks = createAckBatcher({ publish: (clientId) => sent.push(clientId) });
    acks.add('store-1', 's', 1);
    acks.stop();
    expect(sent).toEqual(['store-1']);
    jest.advanceTimersByTime(1000);
    expect(sent).toEqual(['store-1']);
  });
});
