import path from 'node:path';
import { removeTempDirs, runScript, step, tempDir, write } from '../support/run-script';

describe('GET_FILE_STATUS', () => {
  let root: string;
  beforeEach(async () => {
    root = await tempDir();
  });
  afterAll(removeTempDirs);

  it('records that a file exists, its size and its modification time', async () => {
    await write(path.join(root, 'data.bin'), Buffer.alloc(1234));
    const status = step('GET_FILE_STATUS', { filePath: 'data.bin' });
    const run = await runScript([[status]], { roots: [root] });
    expect(run.step(status.id).status).toBe('SUCCESS');
    expect(run.step(status.id).messages.join('\n')).toMatch(/data\.bin: exists, file, 1234 bytes, modified \d{4}-\d\d-\d\dT/);
  });

  it('fails when the file does not exist', async () => {
    const status = step('GET_FILE_STATUS', { filePath: 'nope.txt', retryTimes: 0 });
    const run = await runScript([[status]], { roots: [root] });
    expect(run.step(status.id).status).toBe('FAILED');
    expect(run.step(status.id).messages.join('\n')).toMatch(/nope\.txt does not exist/);
  });

  it('accepts a trailing * wildcard', async () => {
    await write(path.join(root, 'in/x-1.csv'));
    const status = step('GET_FILE_STATUS', { filePath: 'in/x-*' });
    const run = await runScript([[status]], { roots: [root] });
    expect(run.step(status.id).status).toBe('SUCCESS');
  });
});
