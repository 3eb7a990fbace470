import fs from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import path from 'node:path';

/**
 * A CPU profile of this process (the gateway) over one phase of the bench, written to
 * `{dir}/gateway-{name}.cpuprofile` (open it in Chrome DevTools): unlike `node --cpu-prof`, it
 * leaves out the bench's own work between phases (writing and hashing the test files).
 * Without `dir` it does nothing.
 */
export async function profilePhase<T>(dir: string | undefined, name: string, phase: () => Promise<T>): Promise<T> {
  if (!dir) return phase();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await phase();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, `gateway-${name}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}
