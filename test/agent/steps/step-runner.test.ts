import fs from 'node:fs/promises';
import path from 'node:path';
import { exists, removeTempDirs, runScript, step, tempDir, write } from '../support/run-script';

describe('a task run by the agent', () => {
  let root: string;
  beforeEach(async () => {
    root = await tempDir();
  });
  afterAll(removeTempDirs);

  it('ends FAILED at the first failing blocking step (block defaults to true)', async () => {
    const failing = step('GET_FILE_STATUS', { filePath: 'missing', retryTimes: 0 });
    const after = step('COPY_FILE', { filePath: 'a', targetFilePath: 'b' });
    const run = await runScript([[failing, after]], { roots: [root] });
    expect(run.task('task-1')).toMatchObject({ status: 'FAILED', message: 'a blocking step failed' });
    expect(run.step(after.id).started).toBe(false);
  });

  it('logs a failing step with block false and goes on; the task succeeds', async () => {
    await write(path.join(root, 'a'));
    const failing = step('GET_FILE_STATUS', { filePath: 'missing', retryTimes: 0, block: false });
    const after = step('COPY_FILE', { filePath: 'a', targetFilePath: 'b' });
    const run = await runScript([[failing, after]], { roots: [root] });
    expect(run.step(failing.id).status).toBe('FAILED');
    expect(run.step(after.id).status).toBe('SUCCESS');
    expect(run.task('task-1').status).toBe('SUCCESS');
    expect(run.result.status).toBe('SUCCESS');
  });

  it('runs steps by order, not by array position', async () => {
    await write(path.join(root, 'a'));
    const second = step('DELETE_FILE', { filePath: 'a', order: 2 });
    const first = step('COPY_FILE', { filePath: 'a', targetFilePath: 'b', order: 1 });
    const run = await runScript([{ steps: [second, first], disableValidation: true }], { roots: [root] });
    const started = run.events.filter((e) => e.type === 'step.started').map((e) => ('stepId' in e ? e.stepId : undefined));
    expect(started).toEqual([first.id, second.id]);
    expect(await exists(path.join(root, 'b'))).toBe(true);
  });

  it('retries retryTimes (default 4) with the default interval when the step sets none', async () => {
    const failing = step('GET_FILE_STATUS', { filePath: 'missing' });
    const run = await runScript([[failing]], { roots: [root] });
    expect(run.step(failing.id)).toMatchObject({ status: 'FAILED', attempts: 5 });
  });

  it('takes maxRetryTime as the retry count when retryTimes is absent', async () => {
    const failing = step('GET_FILE_STATUS', { filePath: 'missing', maxRetryTime: 1 });
    const run = await runScript([[failing]], { roots: [root] });
    expect(run.step(failing.id).attempts).toBe(2);
  });

  it('fails transfer steps at once, without retries, where the agent has no link to the gateway', async () => {
    const send = step('SEND_FILE', { filePath: 'a', targetFilePath: 'b' });
    const run = await runScript([[send]], { roots: [root] });
    expect(run.step(send.id)).toMatchObject({ status: 'FAILED', attempts: 1 });
    expect(run.step(send.id).messages.join('\n')).toMatch(/SEND_FILE needs the agent's link to the gateway/);
  });

  it('fails the task when a copied file no longer matches its checksum after the task', async () => {
    await write(path.join(root, 'a.txt'), 'original');
    const tamper = path.join(root, 'tamper.sh');
    await write(tamper, `#!/bin/sh\necho changed > ${path.join(root, 'b.txt')}\n`);
    await fs.chmod(tamper, 0o755);
    const steps = [step('COPY_FILE', { filePath: 'a.txt', targetFilePath: 'b.txt' }), step('EXECUTE_FILE', { filePath: 'tamper.sh' })];
    const checked = await runScript([steps], { roots: [root] });
    expect(checked.task('task-1').status).toBe('FAILED');
    expect(checked.task('task-1').message).toMatch(/validation failed: .*b\.txt has SHA-256 [0-9a-f]{64}, expected [0-9a-f]{64}/);
    const unchecked = await runScript([{ steps, disableValidation: true }], { roots: [root] });
    expect(unchecked.task('task-1').status).toBe('SUCCESS');
  });

  it('stops the report at the first failed task unless continueOnTaskFailure', async () => {
    const failing = [step('GET_FILE_STATUS', { filePath: 'missing', retryTimes: 0 })];
    const fine = [step('GET_FILE_STATUS', { filePath: '.' })];
    const stopped = await runScript([failing, fine], { roots: [root] });
    expect(stopped.result).toMatchObject({ status: 'FAILED', message: 'task task-1 failed; 1 later task not run' });
    expect(stopped.task('task-2').status).toBeUndefined();
    const continued = await runScript([failing, fine], { roots: [root], continueOnTaskFailure: true });
    expect(continued.result).toMatchObject({ status: 'FAILED', message: 'failed tasks: task-1' });
    expect(continued.task('task-2').status).toBe('SUCCESS');
  });

  it('emits report, task and step events in order, each step message with an increasing index', async () => {
    await write(path.join(root, 'a'));
    const copy = step('COPY_FILE', { filePath: 'a', targetFilePath: 'b' });
    const run = await runScript([[copy]], { roots: [root] });
    expect(run.events.map((e) => e.type)).toEqual([
      'report.started',
      'task.started',
      'step.started',
      'step.message',
      'step.finished',
      'task.finished',
      'report.finished',
    ]);
    const finished = run.events.find((e) => e.type === 'step.finished');
    expect(finished).toMatchObject({ status: 'SUCCESS', stepType: 'COPY_FILE', attempts: 1 });
  });
});
