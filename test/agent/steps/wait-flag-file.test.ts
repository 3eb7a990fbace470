import path from 'node:path';
import { removeTempDirs, runScript, step, tempDir, write } from '../support/run-script';

describe('WAIT_FLAG_FILE', () => {
  let root: string;
  beforeEach(async () => {
    root = await tempDir();
  });
  afterAll(removeTempDirs);

  it('succeeds as soon as the flag file appears', async () => {
    const wait = step('WAIT_FLAG_FILE', { filePath: 'ready.flag', interval: 20, timeOut: 5_000 });
    setTimeout(() => void write(path.join(root, 'ready.flag')), 100);
    const started = Date.now();
    const run = await runScript([[wait]], { roots: [root] });
    expect(run.step(wait.id)).toMatchObject({ status: 'SUCCESS', attempts: 1 });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(run.step(wait.id).messages.join('\n')).toMatch(/ready\.flag found after \d+ ms/);
  });

  it('fails after timeOut ms when the flag never appears', async () => {
    const wait = step('WAIT_FLAG_FILE', { filePath: 'never.flag', interval: 20, timeOut: 150, retryTimes: 0 });
    const started = Date.now();
    const run = await runScript([[wait]], { roots: [root] });
    const elapsed = Date.now() - started;
    expect(run.step(wait.id).status).toBe('FAILED');
    expect(run.step(wait.id).messages.join('\n')).toMatch(/never\.flag did not appear within 150 ms/);
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(5_000);
  });

  it('waits for any match of a wildcard', async () => {
    const wait = step('WAIT_FLAG_FILE', { filePath: 'done-*.flag', interval: 20, timeOut: 2_000 });
    setTimeout(() => void write(path.join(root, 'done-42.flag')), 50);
    const run = await runScript([[wait]], { roots: [root] });
    expect(run.step(wait.id).status).toBe('SUCCESS');
  });
});
