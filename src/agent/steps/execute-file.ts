import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { failed, succeeded, type StepExecutor, type StepOutcome } from './step-executor';

const KILL_GRACE_MS = 2_000;

/** Keeps the last `limit` bytes of a stream of chunks. */
function createTail(limit: number) {
  const chunks: Buffer[] = [];
  let size = 0;
  let dropped = 0;
  return {
    push(chunk: Buffer) {
      chunks.push(chunk);
      size += chunk.length;
      while (size > limit && chunks.length > 0) {
        const excess = size - limit;
        const first = chunks[0];
        if (first.length <= excess) {
          chunks.shift();
          size -= first.length;
          dropped += first.length;
        } else {
          chunks[0] = first.subarray(excess);
          size -= excess;
          dropped += excess;
        }
      }
    },
    text: () => Buffer.concat(chunks).toString('utf8'),
    dropped: () => dropped,
  };
}

/** Kills the whole process group on POSIX (the script's children too), the process on Windows. */
function kill(child: ChildProcess, signal: NodeJS.Signals) {
  try {
    if (process.platform !== 'win32' && child.pid) process.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {
    // already gone
  }
}

/**
 * EXECUTE_FILE: runs `filePath` in its own folder, without a shell (except .bat/.cmd on
 * Windows). Success is exit code 0. The tail of stdout+stderr (`outputLimitBytes`) goes into
 * the step's messages. After `duration` ms (default `executeTimeoutMs`) the process group gets
 * SIGTERM, then SIGKILL, and the step fails.
 */
export const executeFile: StepExecutor = async (step, { paths, signal, limits, message, clock }) => {
  const file = await paths.resolve(step.filePath);
  const stat = await fs.stat(file).catch(() => null);
  if (!stat) return failed(`${file} does not exist`);
  if (!stat.isFile()) return failed(`${file} is not a file`);
  const timeoutMs = step.duration ?? limits.executeTimeoutMs;
  const started = clock.now().getTime();
  const output = createTail(limits.outputLimitBytes);

  const outcome = await new Promise<StepOutcome>((resolve) => {
    const child = spawn(file, [], {
      cwd: path.dirname(file),
      detached: process.platform !== 'win32',
      shell: process.platform === 'win32' && /\.(bat|cmd)$/i.test(file),
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    let ending: string | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = (reason: string) => {
      if (ending) return;
      ending = reason;
      kill(child, 'SIGTERM');
      killTimer = setTimeout(() => kill(child, 'SIGKILL'), KILL_GRACE_MS);
    };
    const timer = setTimeout(() => stop(`timed out after ${timeoutMs} ms`), timeoutMs);
    const onAbort = () => stop(`cancelled: ${String(signal.reason ?? 'aborted')}`);
    signal.addEventListener('abort', onAbort, { once: true });
    child.stdout?.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk));
    const finish = (result: StepOutcome) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      signal.removeEventListener('abort', onAbort);
      resolve(result);
    };
    child.once('error', (error: NodeJS.ErrnoException) => {
      const hint = error.code === 'EACCES' ? ' (is it executable?)' : '';
      finish(failed(`cannot run ${file}: ${error.message}${hint}`));
    });
    child.once('close', (code, killedBy) => {
      if (ending) return finish(failed(ending, !signal.aborted));
      if (code === 0) return finish(succeeded('exit code 0'));
      finish(failed(code === null ? `killed by ${killedBy}` : `exit code ${code}`));
    });
  });

  const text = output.text();
  if (text.length > 0) {
    const cut = output.dropped() > 0 ? ` (last ${limits.outputLimitBytes} bytes; ${output.dropped()} earlier bytes dropped)` : '';
    message(`output${cut}:\n${text}`, started);
  }
  return outcome;
};
