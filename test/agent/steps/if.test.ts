import path from 'node:path';
import { exists, removeTempDirs, runScript, step, tempDir, write } from '../support/run-script';

describe('IF', () => {
  let root: string;
  beforeEach(async () => {
    root = await tempDir();
  });
  afterAll(removeTempDirs);

  const script = () => {
    const whenTrue = step('COPY_FILE', { filePath: 'a.txt', targetFilePath: 'chose-true.txt' });
    const whenFalse = step('COPY_FILE', { filePath: 'a.txt', targetFilePath: 'chose-false.txt' });
    const branch = step('IF', {
      conditions: [step('GET_FILE_STATUS', { filePath: 'a.txt' }), step('GET_FILE_STATUS', { filePath: 'go.flag' })],
      true: [whenTrue],
      false: [whenFalse],
    });
    return { branch, whenTrue, whenFalse };
  };

  it('runs the true branch when every condition holds', async () => {
    await write(path.join(root, 'a.txt'));
    await write(path.join(root, 'go.flag'));
    const { branch, whenTrue, whenFalse } = script();
    const run = await runScript([[branch]], { roots: [root] });
    expect(run.step(branch.id).status).toBe('SUCCESS');
    expect(run.step(whenTrue.id).status).toBe('SUCCESS');
    expect(run.step(whenFalse.id).started).toBe(false);
    expect(await exists(path.join(root, 'chose-true.txt'))).toBe(true);
    expect(run.step(branch.id).messages).toEqual(expect.arrayContaining([expect.stringMatching(/condition 2 GET_FILE_STATUS go\.flag: true/)]));
  });

  it('runs the false branch when one condition does not hold, without retrying the condition', async () => {
    await write(path.join(root, 'a.txt'));
    const { branch, whenTrue, whenFalse } = script();
    const started = Date.now();
    const run = await runScript([[branch]], { roots: [root], limits: { retryIntervalMs: 10_000 } });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(run.step(branch.id).status).toBe('SUCCESS');
    expect(run.step(whenFalse.id).status).toBe('SUCCESS');
    expect(run.step(whenTrue.id).started).toBe(false);
    expect(await exists(path.join(root, 'chose-false.txt'))).toBe(true);
  });

  it('fails when a blocking step of the chosen branch fails', async () => {
    const branch = step('IF', {
      conditions: [step('GET_FILE_STATUS', { filePath: 'missing' })],
      false: [step('EXECUTE_FILE', { filePath: 'missing.sh', retryTimes: 0 })],
    });
    const after = step('DELETE_FILE', { filePath: 'x' });
    const run = await runScript([[branch, after]], { roots: [root] });
    expect(run.step(branch.id).status).toBe('FAILED');
    expect(run.step(after.id).started).toBe(false);
    expect(run.task('task-1').status).toBe('FAILED');
  });

  it('fails, rather than choosing a branch, when a condition names a path outside the roots', async () => {
    const outside = await tempDir();
    const whenFalse = step('DELETE_FILE', { filePath: 'x' });
    const branch = step('IF', { conditions: [step('GET_FILE_STATUS', { filePath: path.join(outside, 'f') })], false: [whenFalse] });
    const run = await runScript([[branch]], { roots: [root] });
    expect(run.step(branch.id)).toMatchObject({ status: 'FAILED', attempts: 1 });
    expect(run.step(branch.id).messages.join('\n')).toMatch(/outside the folders/);
    expect(run.step(whenFalse.id).started).toBe(false);
  });
});
