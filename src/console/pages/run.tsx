import { Alert, Card, Group, Progress, Stack, Table, Text, Title } from '@mantine/core';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useQuery, useSubscription } from 'urql';
import { Pending, StatusBadge, when } from '../ui';
import { ReportDetail } from './report';
import { useRunReports, type ReportRow } from './run-reports';

const RUN = `query Run($id: Int!) { run(id: $id) { id jobName status trigger startedAt endedAt deadlineAt reportsCount } }`;
const PROGRESS = `subscription Progress($runId: Int!) {
  executionProgress(runId: $runId) { level runId reportId taskId stepId status startTime endTime at }
}`;

type Event = { level: string; runId: number; reportId: string | null; status: string; startTime: string | null; endTime: string | null; at: string };
/** Live state: the run's latest event, the latest per report (a Map, so an event costs O(1)), and a counter. */
type Live = { run?: Event; reports: Map<string, Event>; last?: Event; count: number };

const ROW_HEIGHT = 37;
const ENDED = ['SUCCESS', 'FAILED', 'NOT_EXECUTE'];

/**
 * One run, live: the queries give the state when the page opened, the executionProgress
 * subscription every change after it (run, per-client report, task and step), laid on top. The
 * client table is virtualised: only the rows in view are in the page, so a 2,000-client run
 * stays fluid.
 */
export function RunPage({ id }: { id: number }) {
  const [result] = useQuery({ query: RUN, variables: { id } });
  const [live] = useSubscription<{ executionProgress: Event }, Live>(
    { query: PROGRESS, variables: { runId: id } },
    (acc = { reports: new Map(), count: 0 }, e) => {
      const ev = e.executionProgress;
      if (ev.level === 'REPORT' && ev.reportId) acc.reports.set(ev.reportId, ev);
      return { ...acc, run: ev.level === 'RUN' ? ev : acc.run, last: ev, count: acc.count + 1 };
    },
  );
  const [reload, setReload] = useState(0);
  const reports = useRunReports(id, reload);
  const [open, setOpen] = useState<string | null>(null);
  const run = result.data?.run;
  const liveCount = live.data?.count ?? 0;
  // A report the list does not have yet (dispatched after it was read): read the list again.
  const known = useMemo(() => new Set(reports.rows.map((r) => r.reportId)), [reports.rows]);
  const missing = [...(live.data?.reports.keys() ?? [])].some((r) => !known.has(r));
  useEffect(() => {
    if (missing) setReload((n) => n + 1);
  }, [missing]);
  const rows: ReportRow[] = useMemo(
    () =>
      reports.rows.map((r) => {
        const ev = live.data?.reports.get(r.reportId);
        return ev ? { ...r, status: ev.status, startTime: ev.startTime ?? r.startTime, endTime: ev.endTime ?? r.endTime } : r;
      }),
    // liveCount: the Map is changed in place, the counter says it changed.
    [reports.rows, live.data, liveCount],
  );
  const status = live.data?.run?.status ?? run?.status;
  const done = rows.filter((r) => ENDED.includes(r.status)).length;
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });
  const items = virtual.getVirtualItems();
  const top = items[0]?.start ?? 0;
  const bottom = virtual.getTotalSize() - (items[items.length - 1]?.end ?? 0);
  return (
    <Stack>
      <Pending fetching={result.fetching && !result.data} error={result.error} />
      {reports.error && <Alert color="red">{reports.error}</Alert>}
      {run && (
        <>
          <Group justify="space-between">
            <Title order={3}>
              Run {run.id}: {run.jobName}
            </Title>
            <span data-run-status={status}>
              <StatusBadge status={status} />
            </span>
          </Group>
          <Text size="sm" c="dimmed">
            {run.trigger} · started {when(run.startedAt)} · ended {when(live.data?.run?.endTime ?? run.endedAt)} · deadline {when(run.deadlineAt)} · {liveCount}{' '}
            live events
          </Text>
          <Progress value={rows.length ? (100 * done) / rows.length : 0} />
          <Text size="sm">
            {done} of {Math.max(run.reportsCount, rows.length)} clients finished
          </Text>
        </>
      )}
      <div ref={scroller} style={{ maxHeight: 480, overflow: 'auto' }} data-run-table>
        <Table highlightOnHover stickyHeader>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Client</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Started</Table.Th>
              <Table.Th>Ended</Table.Th>
              <Table.Th>Message</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {top > 0 && <tr style={{ height: top }} />}
            {items.map((item) => {
              const r = rows[item.index];
              return (
                <Table.Tr
                  key={r.reportId}
                  data-report={r.mqttClientId}
                  style={{ cursor: 'pointer', height: ROW_HEIGHT }}
                  onClick={() => setOpen(open === r.reportId ? null : r.reportId)}
                >
                  <Table.Td>{r.mqttClientId}</Table.Td>
                  <Table.Td>
                    <StatusBadge status={r.status} />
                  </Table.Td>
                  <Table.Td>{when(r.startTime)}</Table.Td>
                  <Table.Td>{when(r.endTime)}</Table.Td>
                  <Table.Td>{r.message ?? ''}</Table.Td>
                </Table.Tr>
              );
            })}
            {bottom > 0 && <tr style={{ height: bottom }} />}
          </Table.Tbody>
        </Table>
      </div>
      {open && (
        <Card withBorder>
          <ReportDetail reportId={open} tick={live.data?.last?.reportId === open ? liveCount : 0} />
        </Card>
      )}
    </Stack>
  );
}
