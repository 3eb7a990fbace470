import { once } from 'node:events';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

type Answer = { sha256: string; bytes: number } | { error: { message: string; code?: string } };

/**
 * The SHA-256 and length of the file at `file`, read and hashed on a worker thread (see
 * hash-file.worker.js for why). A file that cannot be read rejects with its errno code (ENOENT…).
 */
export async function hashFile(file: string): Promise<{ sha256: string; bytes: number }> {
  const worker = new Worker(path.join(__dirname, 'hash-file.worker.js'), { workerData: { file } });
  try {
    // `once` rejects on the worker's 'error'; a thread that exits without answering rejects too.
    const exited = once(worker, 'exit').then(([code]) => Promise.reject(new Error(`the hashing thread exited (code ${code}) without an answer`)));
    const [answer] = (await Promise.race([once(worker, 'message'), exited])) as [Answer];
    if ('error' in answer) throw Object.assign(new Error(answer.error.message), { code: answer.error.code });
    return answer;
  } finally {
    await worker.terminate();
  }
}
