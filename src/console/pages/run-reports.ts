import { useEffect, useState } from 'react';
import { useClient } from 'urql';

export type ReportRow = { reportId: string; mqttClientId: string; status: string; startTime: string | null; endTime: string | null; message: string | null };

const PAGE = 500;
const REPORTS = `query RunReports($runId: Int!, $pageNo: Int!, $pageSize: Int!) {
  reports(filter: { runId: $runId }, pageNo: $pageNo, pageSize: $pageSize) { totalCount nodes { reportId mqttClientId status startTime endTime message } }
}`;

/**
 * Every report of a run, page after page (a page holds at most 500; a run may reach thousands
 * of clients). `reload` changing reads them again, e.g. when a report the list lacks shows up.
 */
export function useRunReports(runId: number, reload: number): { rows: ReportRow[]; total: number; error?: string } {
  const client = useClient();
  const [state, setState] = useState<{ rows: ReportRow[]; total: number; error?: string }>({ rows: [], total: 0 });
  useEffect(() => {
    let cancelled = false;
    (async () => {
      const rows: ReportRow[] = [];
      for (let pageNo = 1; ; pageNo++) {
        const res = await client.query(REPORTS, { runId, pageNo, pageSize: PAGE }, { requestPolicy: 'network-only' }).toPromise();
        if (cancelled) return;
        if (res.error) return setState((s) => ({ ...s, error: res.error!.message }));
        rows.push(...res.data.reports.nodes);
        if (rows.length >= res.data.reports.totalCount || res.data.reports.nodes.length < PAGE) {
          setState({ rows, total: res.data.reports.totalCount });
          return;
        }
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [client, runId, reload]);
  return state;
}
