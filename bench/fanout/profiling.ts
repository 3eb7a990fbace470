import fs from 'node:fs';
import inspector from 'node:inspector';
import path from 'node:path';
import { Client as PgClient } from 'pg';

/** Starts the V8 sampling profiler of this process; `stop(file)` writes a .cpuprofile (open it in Chrome DevTools or summarize it with profile-summary.ts). */
export async function startCpuProfile(intervalUs = 200): Promise<{ stop(file: string): Promise<void> }> {
  const session = new inspector.Session();
  session.connect();
  const post = <T = unknown>(method: string, params?: object) =>
    new Promise<T>((resolve, reject) => session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: intervalUs });
  await post('Profiler.start');
  return {
    async stop(file) {
      const { profile } = await post<{ profile: object }>('Profiler.stop');
      session.disconnect();
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, JSON.stringify(profile));
    },
  };
}

export interface StatementStats {
  reset(): void;
  /** One line per distinct statement: count, total and mean round trip, its text. */
  report(title: string, top?: number): string;
}

/** A statement's shape: placeholders as `?`, long value lists folded, whitespace collapsed. */
function shape(sql: string): string {
  return sql
    .replace(/\s+/g, ' ')
    .replace(/'(?:[^']|'')*'/g, '?')
    .replace(/\$\d+/g, '?')
    .replace(/\b\d+(\.\d+)?\b/g, '?')
    .replace(/(\((\?, )*\?\)(, )?){2,}/g, '(?, …)×n ')
    .replace(/(\?, ){3,}\?/g, '?, …')
    .trim();
}

/**
 * Times every statement sent through `pg` (MikroORM's driver) in this process, from the call to
 * its callback or promise: round trip plus waiting for the database (not the pool).
 */
export function traceStatements(): StatementStats {
  const stats = new Map<string, { count: number; ms: number; max: number }>();
  const proto = PgClient.prototype as unknown as { query: (...args: unknown[]) => unknown; __benchTraced?: boolean };
  if (!proto.__benchTraced) {
    const original = proto.query;
    proto.query = function traced(this: unknown, ...args: unknown[]) {
      const config = args[0] as string | { text?: string } | undefined;
      const text = typeof config === 'string' ? config : config?.text;
      if (!text) return original.apply(this, args);
      const t0 = performance.now();
      const record = () => {
        const key = shape(text);
        const entry = stats.get(key) ?? { count: 0, ms: 0, max: 0 };
        const ms = performance.now() - t0;
        entry.count++;
        entry.ms += ms;
        entry.max = Math.max(entry.max, ms);
        stats.set(key, entry);
      };
      const last = args.length - 1;
      if (typeof args[last] === 'function') {
        const callback = args[last] as (...a: unknown[]) => unknown;
        args[last] = (...a: unknown[]) => {
          record();
          return callback(...a);
        };
        return original.apply(this, args);
      }
      const result = original.apply(this, args) as Promise<unknown> | undefined;
      if (result && typeof result.then === 'function') result.then(record, record);
      return result;
    };
    proto.__benchTraced = true;
  }
  return {
    reset: () => stats.clear(),
    report(title, top = 25) {
      const rows = [...stats.entries()].sort((a, b) => b[1].ms - a[1].ms);
      const total = rows.reduce((n, [, s]) => n + s.ms, 0);
      const count = rows.reduce((n, [, s]) => n + s.count, 0);
      const lines = [`${title}: ${count} statements, ${Math.round(total)} ms summed round trips (overlapping ones add up)`];
      for (const [sql, s] of rows.slice(0, top)) {
        lines.push(
          `${String(Math.round(s.ms)).padStart(7)} ms ${String(s.count).padStart(6)}× mean ${(s.ms / s.count).toFixed(1).padStart(6)} max ${s.max.toFixed(0).padStart(5)}  ${sql.slice(0, 200)}`,
        );
      }
      return lines.join('\n');
    },
  };
}

/** CPU time (user + system, ms) a process has used, from /proc (Linux); null elsewhere or when it is gone. */
export function processCpuMs(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces, so split after its closing parenthesis).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * 10 : null; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}
