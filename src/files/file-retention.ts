import type { EntityManager } from '@mikro-orm/postgresql';
import type { FileStoreSettings } from './file-store.settings';

/** Why retention removed a file. */
export type RemovalReason = 'age' | 'size' | 'abandoned';

export interface RemovedFile {
  id: number;
  storagePath: string;
  size: number;
  status: string;
  reason: RemovalReason;
}

const HOUR_MS = 3_600_000;

const RETURNING = `returning "id", "storage_path" as "storagePath", "size"::float8 as "size", "status"`;

/** Files retention leaves alone until their keepUntil has passed (`?` is now). */
const NOT_KEPT = `("keep_until" is null or "keep_until" <= ?)`;

/**
 * Deletes the rows retention removes and returns them; the caller then removes their bytes. Each
 * rule is one `delete ... returning`, so gateways applying retention at the same time on one
 * database never remove a file twice, and a row is gone before its bytes are (a download that
 * starts later gets a 404, not a broken file).
 *
 * 1. age: COMPLETE files completed more than `maxAgeDays` ago;
 * 2. abandoned: PARTIAL and FAILED files whose last change is more than `partialGraceHours` old;
 * 3. size: while the COMPLETE files add up to more than `maxTotalBytes`, the oldest ones (by
 *    completion). Newest first, each file carries its bytes, those of every newer file and those
 *    of the files kept by `keepUntil` (they count, but are not removed): past the bound, it goes.
 */
export async function deleteExpiredRows(em: EntityManager, settings: FileStoreSettings, now: Date): Promise<RemovedFile[]> {
  const conn = em.getConnection();
  const removed: RemovedFile[] = [];
  const tag = (reason: RemovalReason) => (rows: Omit<RemovedFile, 'reason'>[]) => removed.push(...rows.map((r) => ({ ...r, reason })));

  if (settings.maxAgeDays > 0) {
    const before = new Date(now.getTime() - settings.maxAgeDays * 24 * HOUR_MS);
    tag('age')(await conn.execute(`delete from "stored_file" where "status" = 'COMPLETE' and "completed_at" < ? and ${NOT_KEPT} ${RETURNING}`, [before, now]));
  }
  const graceStart = new Date(now.getTime() - settings.partialGraceHours * HOUR_MS);
  tag('abandoned')(
    await conn.execute(`delete from "stored_file" where "status" in ('PARTIAL', 'FAILED') and "updated_at" < ? and ${NOT_KEPT} ${RETURNING}`, [
      graceStart,
      now,
    ]),
  );
  if (settings.maxTotalBytes > 0) {
    tag('size')(
      await conn.execute(
        `delete from "stored_file" where "id" in (
           select "id" from (
             select "id", "kept",
                    sum(case when "kept" then 0 else "size" end) over (order by "completed_at" desc, "id" desc)
                      + sum(case when "kept" then "size" else 0 end) over () as "running"
             from (select "id", "size", "completed_at", ("keep_until" is not null and "keep_until" > ?) as "kept"
                   from "stored_file" where "status" = 'COMPLETE') complete
           ) ranked where not "kept" and "running" > ?
         ) and "status" = 'COMPLETE' ${RETURNING}`,
        [now, settings.maxTotalBytes],
      ),
    );
  }
  return removed;
}

/** What the store holds, for operators (and for the size rule). */
export interface FileStoreUsage {
  completeFiles: number;
  completeBytes: number;
  partialFiles: number;
  /** Declared sizes of the files still arriving (their bytes on disk may be fewer). */
  partialBytes: number;
  failedFiles: number;
}

export async function readUsage(em: EntityManager): Promise<FileStoreUsage> {
  const [row] = await em.getConnection().execute<Record<keyof FileStoreUsage, number>[]>(
    `select count(*) filter (where "status" = 'COMPLETE')::float8 as "completeFiles",
            coalesce(sum("size") filter (where "status" = 'COMPLETE'), 0)::float8 as "completeBytes",
            count(*) filter (where "status" = 'PARTIAL')::float8 as "partialFiles",
            coalesce(sum("size") filter (where "status" = 'PARTIAL'), 0)::float8 as "partialBytes",
            count(*) filter (where "status" = 'FAILED')::float8 as "failedFiles"
     from "stored_file"`,
  );
  return row;
}
