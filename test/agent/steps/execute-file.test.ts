import fs from 'node:fs/promises';
import path from 'node:path';
import { read, removeTempDirs, runScript, step, tempDir, write } from '../support/run-script';

/** True while the process runs; a zombie waiting for its reaper counts as gone. */
async function isRunning(pid: number): Promise<boolean> {
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    try {
      process.kill(pid, 0);
      return process.platform !== 'linux';
    } catch {
      return false;
    }
  }
}

async function script(file: string, body: string, mode = 0o755): Promise<string> {
  await write(file, `#!/bin/sh\n${body}\n`);
  await fs.chmod(file, mode);
  return file;
}

describe('EXECUTE_FILE', () => {
  let root: string;
  beforeEach(async () => {
    root = await tempDir();
  });
  afterAll(removeTempDirs);

  it('succeeds on exit code 0 and keeps the output in the step messages', async () => {
    await script(path.join(root, 'bin/hello.sh'), 'echo "hello from $(pwd)"; echo oops >&2');
    const run1 = step('EXECUTE_FILE', { filePath: 'bin/hello.sh' });
    const run = await runScript([[run1]], { roots: [root] });
    expect(run.step(run1.id)).toMatchObject({ status: 'SUCCESS', attempts: 1 });
    const messages = run.step(run1.id).messages.join('\n');
    expect(messages).toContain(`hello from ${path.join(root, 'bin')}`);
    expect(messages).toContain('oops');
    expect(messages).toMatch(/exit code 0/);
  });

  it('fails on a non-zero exit code, with retries', async () => {
    await script(path.join(root, 'fail.sh'), 'echo broken; exit 3');
    const run1 = step('EXECUTE_FILE', { filePath: 'fail.sh', retryTimes: 1, retryInterval: 0.01 });
    const run = await runScript([[run1]], { roots: [root] });
    expect(run.step(run1.id)).toMatchObject({ status: 'FAILED', attempts: 2 });
    expect(run.step(run1.id).messages.join('\n')).toMatch(/exit code 3/);
  });

  it('keeps only the tail of a long output', async () => {
    await script(path.join(root, 'noisy.sh'), 'i=0; while [ $i -lt 2000 ]; do echo "line $i"; i=$((i+1)); done');
    const run1 = step('EXECUTE_FILE', { filePath: 'noisy.sh' });
    const run = await runScript([[run1]], { roots: [root], limits: { outputLimitBytes: 1024 } });
    const output = run.step(run1.id).messages.find((m) => m.startsWith('output')) ?? '';
    expect(output).toMatch(/last 1024 bytes; \d+ earlier bytes dropped/);
    expect(output).toContain('line 1999');
    expect(output).not.toContain('line 10\n');
    expect(output.length).toBeLessThan(1200);
  });

  it('kills the program and its children after duration ms', async () => {
    await script(path.join(root, 'slow.sh'), `sleep 5 & echo $! > ${path.join(root, 'child.pid')}; wait`);
    const run1 = step('EXECUTE_FILE', { filePath: 'slow.sh', duration: 300, retryTimes: 0 });
    const started = Date.now();
    const run = await runScript([[run1]], { roots: [root] });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(run.step(run1.id).status).toBe('FAILED');
    expect(run.step(run1.id).messages.join('\n')).toMatch(/timed out after 300 ms/);
    const childPid = Number(await read(path.join(root, 'child.pid')));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await isRunning(childPid)).toBe(false);
  });

  it('explains a file that cannot be run', async () => {
    await script(path.join(root, 'plain.sh'), 'exit 0', 0o644);
    const run1 = step('EXECUTE_FILE', { filePath: 'plain.sh', retryTimes: 0 });
    const run = await runScript([[run1]], { roots: [root] });
    expect(run.step(run1.id).status).toBe('FAILED');
    expect(run.step(run1.id).messages.join('\n')).toMatch(/EACCES.*is it executable\?/);
  });

  it('stops a running program when the report is cancelled', async () => {
    await script(path.join(root, 'long.sh'), 'sleep 5');
    const controller = new AbortController();
    setTimeout(() => controller.abort('operator cancel'), 150);
    const run1 = step('EXECUTE_FILE', { filePath: 'long.sh' });
    const started = Date.now();
    const run = await runScript([[run1]], { roots: [root], signal: controller.signal });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(run.step(run1.id)).toMatchObject({ status: 'FAILED', attempts: 1 });
    expect(run.result).toMatchObject({ status: 'FAILED', message: 'cancelled: operator cancel' });
  });
});
