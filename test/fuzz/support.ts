import fc from 'fast-check';
import type { MikroORM } from '@mikro-orm/postgresql';

/**
 * Shared pieces of the fuzz suite: generators of input every door must refuse, and the record
 * checks (nothing stored from a refused input, the records made before the run unchanged).
 * Every property runs with a fixed seed and a bounded number of runs, so a failure is
 * reproducible (`FUZZ_SEED=... FUZZ_RUNS=...` to explore further).
 */
export const FUZZ = { seed: Number(process.env.FUZZ_SEED ?? 20261216), runs: Number(process.env.FUZZ_RUNS ?? 1) };

/** fast-check options: the fixed seed, `runs` x FUZZ.runs runs, no shrinking past a few seconds. */
export const fuzzOptions = (runs: number) => ({ seed: FUZZ.seed, numRuns: runs * FUZZ.runs, interruptAfterTimeLimit: 60_000, endOnFailure: true });

/** A character PostgreSQL text cannot hold or that is not UTF-8. */
const poison = fc.constantFrom('\u0000', '\ud800', '\udfff', '\ud83d', '\ude00');

/** A string with at least one NUL or lone surrogate somewhere in it. */
export const unstorableString = fc.tuple(fc.string({ maxLength: 20 }), poison, fc.string({ maxLength: 20 })).map(([a, p, b]) => `${a}${p}${b}`);

/** JSON nested deeper than any input may be (arrays or objects, `depth` levels). */
export const tooDeep = fc.tuple(fc.integer({ min: 140, max: 1_000 }), fc.boolean()).map(([depth, arrays]) => {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = arrays ? [value] : { a: value };
  return value;
});

/** The JSON text of `tooDeep` (JSON.stringify would overflow on the deepest). */
export const tooDeepText = fc
  .tuple(fc.integer({ min: 140, max: 20_000 }), fc.boolean())
  .map(([depth, arrays]) => (arrays ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`));

/** A value every input check refuses wherever it stands: unstorable text, or too deep. */
export const alwaysRefused = fc.oneof(
  unstorableString,
  tooDeep,
  unstorableString.map((k) => ({ [k]: 1 })),
);

/** Path ids in every form but the canonical one. */
export const badId = fc.oneof(
  fc
    .integer({ min: 1, max: 99_999 })
    .chain((n) => fc.constantFrom(`${n}.0`, `+${n}`, `${n}e0`, `%20${n}%20`, `00${n}`, `0x${n.toString(16)}`, `-${n}`, `${n}%00`)),
  fc.constantFrom('0', '2147483648', '99999999999999999999', 'NaN', 'Infinity', 'null', '%00', '%ED%A0%80', 'a', '1,2'),
);

/**
 * Tables whose rows the suite compares. Left out: the gateway's own chart (online_sample) and the
 * credentials' bookkeeping: a key's last use, sessions, login counters, and the audit log, which
 * records every refused change by design (docs/security.md); `refusalsAudited` checks those.
 */
async function tablesOf(orm: MikroORM): Promise<string[]> {
  const rows = await orm.em
    .fork()
    .getConnection()
    .execute<{ table_name: string }[]>(
      `select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'
       and table_name not in ('mikro_orm_migrations', 'online_sample', 'api_key', 'operator_session', 'login_limit', 'audit_entry')
       order by table_name`,
    );
  return rows.map((r) => r.table_name);
}

export interface RecordWatch {
  /** Row counts of every table now. */
  counts(): Promise<Record<string, number>>;
  /** Every row that existed when the watch started, as text, missing or changed now (but in `skip`). */
  changedSinceStart(skip?: string[]): Promise<string[]>;
  /** Outcomes of the audit entries written since the watch started, with their counts. */
  auditOutcomesSinceStart(): Promise<Record<string, number>>;
}

/** Watches the database's records: counts per table, and the rows present at the start. */
export async function watchRecords(orm: MikroORM): Promise<RecordWatch> {
  const tables = await tablesOf(orm);
  const conn = () => orm.em.fork().getConnection();
  const snapshot = async () => {
    const out = new Map<string, Set<string>>();
    for (const t of tables) out.set(t, new Set((await conn().execute<{ row: string }[]>(`select t::text as row from "${t}" t`)).map((r) => r.row)));
    return out;
  };
  const start = await snapshot();
  const [{ last }] = await conn().execute<{ last: string }[]>(`select coalesce(max(id), 0)::text as last from audit_entry`);
  return {
    async counts() {
      const [row] = await conn().execute<Record<string, number>[]>(`select ${tables.map((t) => `(select count(*)::int from "${t}") as "${t}"`).join(', ')}`);
      return row;
    },
    async changedSinceStart(skip = []) {
      const now = await snapshot();
      const missing: string[] = [];
      for (const [t, rows] of start) if (!skip.includes(t)) for (const r of rows) if (!now.get(t)!.has(r)) missing.push(`${t}: ${r}`);
      return missing;
    },
    async auditOutcomesSinceStart() {
      const rows = await conn().execute<{ outcome: string; n: number }[]>(`select outcome, count(*)::int as n from audit_entry where id > ? group by outcome`, [
        last,
      ]);
      return Object.fromEntries(rows.map((r) => [r.outcome, r.n]));
    },
  };
}
