import { createHash } from 'node:crypto';
import {
  allocChunk,
  decodeFrame,
  encodeFrame,
  MAX_TRANSFER_HEADER_BYTES,
  parseAgentTopic,
  parseMessage,
  parseTransferDown,
  parseTransferUp,
  transferDownTopic,
  transferUpTopic,
} from '../../src/protocol';

const sha = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

describe('transfer frames and headers', () => {
  it('puts the transfer topics in the agent subtree, next to the JSON channels', () => {
    expect(transferUpTopic('store-1')).toBe('sdes/v1/agents/store-1/transfer-up');
    expect(transferDownTopic('store-1')).toBe('sdes/v1/agents/store-1/transfer-down');
    expect(parseAgentTopic('sdes/v1/agents/store-1/transfer-up')).toEqual({ clientId: 'store-1', channel: 'transfer-up' });
    expect(parseAgentTopic('sdes/v1/agents/store-1/commands')).toEqual({ clientId: 'store-1', channel: 'commands' });
    // The JSON parser leaves binary frames alone, with a clear reason.
    const parsed = parseMessage('sdes/v1/agents/store-1/transfer-up', Buffer.from('{}'));
    expect(parsed).toMatchObject({ ok: false, code: 'TOPIC', channel: 'transfer-up' });
  });

  it('round-trips a chunk: header length, JSON header, body bytes', () => {
    const body = Buffer.from('chunk bytes');
    const frame = encodeFrame({ v: 1, kind: 'upload.chunk', fileId: 7, index: 2, offset: 524288, sha256: sha(body) }, body);
    expect(frame.readUInt32BE(0)).toBe(frame.length - 4 - body.length);
    const parsed = parseTransferUp(frame);
    expect(parsed).toEqual({ ok: true, value: { header: { v: 1, kind: 'upload.chunk', fileId: 7, index: 2, offset: 524288, sha256: sha(body) }, body } });
  });

  it('builds the frame of a chunk read with room for its header around it, without copying the chunk', () => {
    const { chunk, data } = allocChunk(11);
    data.write('chunk bytes');
    const header = { v: 1, kind: 'upload.chunk', fileId: 7, index: 2, offset: 524288, sha256: sha(data) };
    const frame = encodeFrame(header, chunk, (json) => Buffer.concat([json.subarray(0, -1), Buffer.from(',"mac":"x"}')]));
    expect(frame.buffer).toBe(chunk.slab.buffer);
    expect(frame.equals(encodeFrame(header, Buffer.from('chunk bytes'), (json) => Buffer.concat([json.subarray(0, -1), Buffer.from(',"mac":"x"}')])))).toBe(
      true,
    );
    // A header larger than the room is framed the usual way.
    const small = allocChunk(11, 8);
    small.data.write('chunk bytes');
    expect(parseTransferUp(encodeFrame(header, small.chunk))).toMatchObject({ ok: true, value: { header, body: Buffer.from('chunk bytes') } });
  });

  it('refuses malformed frames with a message, never throwing', () => {
    const cases: [Buffer, RegExp][] = [
      [Buffer.alloc(2), /at least the 4-byte header length/],
      [Buffer.from([0xff, 0xff, 0xff, 0xff]), /exceeds/],
      [Buffer.concat([Buffer.from([0, 0, 0, 50]), Buffer.from('{}')]), /runs past/],
      [Buffer.concat([Buffer.from([0, 0, 0, 3]), Buffer.from('{x}')]), /not JSON/],
      [encodeFrame({ v: 2, kind: 'upload.close', fileId: 1 }), /version 2/],
      [encodeFrame({ v: 1, kind: 'upload.open', requestId: 'r' }), /purpose/],
      [encodeFrame({ v: 1, kind: 'upload.chunk', fileId: 1, index: 0, offset: 0, sha256: 'abc' }), /sha256/],
      [encodeFrame({ v: 1, kind: 'upload.close', fileId: 1 }, Buffer.from('x')), /carries no body/],
      [encodeFrame({ v: 1, kind: 'nope' }), /kind/],
    ];
    for (const [payload, error] of cases) {
      const parsed = parseTransferUp(payload);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.error).toMatch(error);
    }
    expect(() => encodeFrame({ v: 1, pad: 'x'.repeat(MAX_TRANSFER_HEADER_BYTES) })).toThrow(/exceeds/);
    expect(decodeFrame(new Uint8Array([0, 0, 0, 2, 0x5b, 0x5d]))).toEqual({ ok: false, error: 'transfer header is not a JSON object' });
  });

  it('parses what the gateway sends down: grants, waits with a retry time, offers', () => {
    expect(parseTransferDown(encodeFrame({ v: 1, kind: 'upload.granted', requestId: 'r1', fileId: 3, chunkSize: 262144, receivedBytes: 0 })).ok).toBe(true);
    expect(parseTransferDown(encodeFrame({ v: 1, kind: 'upload.wait', requestId: 'r1', retryAfterMs: 2000, reason: 'busy' })).ok).toBe(true);
    const offer = parseTransferDown(
      encodeFrame({
        v: 1,
        kind: 'fetch.offer',
        requestId: 'r2',
        grant: 'inst:g1',
        chunkSize: 262144,
        files: [{ fileId: 3, name: 'a.csv', size: 10, sha256: sha('x') }],
      }),
    );
    expect(offer.ok).toBe(true);
    // A chunk size over the bound (it must stay under the broker's packet limit) is refused.
    const big = parseTransferDown(encodeFrame({ v: 1, kind: 'upload.granted', requestId: 'r1', fileId: 3, chunkSize: 16 * 1024 * 1024, receivedBytes: 0 }));
    expect(big.ok).toBe(false);
  });
});
