import fs from 'node:fs';
import path from 'node:path';
import type { ReportResultStatus } from '../protocol';

/** What the agent remembers of a report, so a repeated dispatch is answered instead of run again. */
export interface ReportRecord {
  reportId: string;
  state: 'RUNNING' | ReportResultStatus;
  startTime: number;
  endTime?: number;
  message?: string;
}

export interface ReportRegistry {
  get(reportId: string): ReportRecord | undefined;
  markRunning(reportId: string, startTime: number): void;
  markFinished(record: ReportRecord & { state: ReportResultStatus; endTime: number }): void;
  /** Reports left RUNNING by a previous process (a crash or kill); the caller closes them as FAILED. */
  interrupted(): ReportRecord[];
}

const FILE_NAME = 'reports.json';

/**
 * `{stateDir}/reports.json`, rewritten (temp file + rename) on every change. Keeps the last
 * `limit` reports: a dispatch repeated after that many newer reports would run again, which
 * the gateway prevents by not re-dispatching reports it has seen finish.
 */
export function openReportRegistry({ stateDir, limit = 1000 }: { stateDir: string; limit?: number }): ReportRegistry {
  fs.mkdirSync(stateDir, { recursive: true });
  const file = path.join(stateDir, FILE_NAME);
  const records = new Map<string, ReportRecord>();
  try {
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as { reports?: ReportRecord[] };
    for (const record of saved.reports ?? []) if (record?.reportId) records.set(record.reportId, record);
  } catch {
    // first start, or a damaged file: start afresh rather than refuse to run
  }

  const save = () => {
    while (records.size > limit) records.delete(records.keys().next().value as string);
    const temporary = `${file}.tmp`;
    fs.writeFileSync(temporary, JSON.stringify({ reports: [...records.values()] }));
    fs.renameSync(temporary, file);
  };
  const put = (record: ReportRecord) => {
    records.delete(record.reportId); // re-insert so the Map's order stays "least recently changed first"
    records.set(record.reportId, record);
    save();
  };

  return {
    get: (reportId) => records.get(reportId),
    markRunning: (reportId, startTime) => put({ reportId, state: 'RUNNING', startTime }),
    markFinished: (record) => put(record),
    interrupted: () => [...records.values()].filter((record) => record.state === 'RUNNING'),
  };
}
