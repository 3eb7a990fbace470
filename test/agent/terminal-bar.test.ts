import { PassThrough } from 'node:stream';
import { terminalBar } from '../../src/agent/transfer/terminal-bar';

/** A stream that says it is (or is not) a terminal and keeps what was written to it. */
function fakeStream(isTTY: boolean) {
  const stream = new PassThrough() as PassThrough & { isTTY: boolean; columns: number; written: string };
  stream.isTTY = isTTY;
  stream.columns = 120;
  stream.written = '';
  stream.on('data', (chunk: Buffer) => (stream.written += chunk.toString()));
  return stream as unknown as NodeJS.WriteStream & { written: string };
}

describe('the transfer progress bar on the agent terminal', () => {
  const ci = process.env.CI;
  beforeEach(() => delete process.env.CI);
  afterEach(() => (ci === undefined ? delete process.env.CI : (process.env.CI = ci)));

  it('draws the file, percentage, MiB and rate on a terminal, and stops', async () => {
    const stream = fakeStream(true);
    const bar = terminalBar('↓ prices.bin', 10 * 1024 * 1024, stream)!;
    expect(bar).toBeDefined();
    bar.update(5 * 1024 * 1024, 2.5 * 1024 * 1024);
    bar.stop();
    await new Promise((resolve) => setImmediate(resolve));
    expect(stream.written).toMatch(/↓ prices\.bin \[.*\] 50% \| 5\.0 of 10\.0 MiB \| 2\.5 MiB\/s/);
  });

  it('stays silent when the output is not a terminal (a service, a pipe)', () => {
    const stream = fakeStream(false);
    expect(terminalBar('↓ prices.bin', 1024, stream)).toBeUndefined();
    expect(stream.written).toBe('');
  });
});
