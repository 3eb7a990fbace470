import { Card, Group, Progress, Stack, Table, Text, Title } from '@mantine/core';
import { useEffect, useMemo, useState } from 'react';
import { useQuery, useSubscription } from 'urql';
import { Pending, StatusBadge, when } from '../ui';
import { ReportDetail } from './report';

const RUN = `query Run($id: Int!) {
  run(id: $id) { id jobName status trigger startedAt endedAt deadlineAt
    reports(pageSize: 500) { totalCount nodes { reportId mqttClientId status startTime endTime message } } }
}`;
const PROGRESS = `subscription Progress($runId: Int!) {
  executionProgress(runId: $runId) { level runId reportId taskId stepId status startTime endTime at }
}`;

type ReportRow = { reportId: string; mqttClientId: string; status: string; startTime: string | null; endTime: string | null; message: string | null };
type Event = { level: string; runId: number; reportId: string | null; status: string; startTime: string | null; endTime: string | null; at: string };
type Live = { run?: Event; reports: Record<string, Event>; last?: Event; count: number };

/**
 * One run, live: the query gives the state when the page opened, the executionProgress
 * subscription every change after it (run, per-client report, task and step), laid on top.
 */
export function RunPage({ id }: { id: number }) {
  const [result, refetch] = useQuery({ query: RUN, variables: { id } });
  const [live] = useSubscription<{ executionProgress: Event }, Live>({ query: PROGRESS, variables: { runId: id } }, (acc = { reports: {}, count: 0 }, e) => {
    const ev = e.executionProgress;
    const next: Live = { ...acc, last: ev, count: acc.count + 1 };
    if (ev.level === 'RUN') next.run = ev;
    if (ev.level === 'REPORT' && ev.reportId) next.reports = { ...acc.reports, [ev.reportId]: ev };
    return next;
  });
  const [open, setOpen] = useState<string | null>(null);
  const run = result.data?.run;
  const known: ReportRow[] = run?.reports.nodes ?? [];
  // A report the query did not have yet (dispatched after it answered): fetch the rows again.
  const unknown = Object.keys(live.data?.reports ?? {}).some((r) => !known.some((k) => k.reportId === r));
  useEffect(() => {
    if (unknown) refetch({ requestPolicy: 'network-only' });
  }, [unknown, refetch]);
  const rows = useMemo(
    () =>
      known.map((r) => {
        const ev = live.data?.reports[r.reportId];
        return ev ? { ...r, status: ev.status, startTime: ev.startTime ?? r.startTime, endTime: ev.endTime ?? r.endTime } : r;
      }),
    [known, live.data],
  );
  const status = live.data?.run?.status ?? run?.status;
  const done = rows.filter((r) => r.endTime || ['SUCCESS', 'FAILED', 'NOT_EXECUTE'].includes(r.status)).length;
  return (
    <Stack>
      <Pending fetching={result.fetching && !result.data} error={result.error} />
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
            {run.trigger} · started {when(run.startedAt)} · ended {when(live.data?.run?.endTime ?? run.endedAt)} · deadline {when(run.deadlineAt)} ·{' '}
            {live.data?.count ?? 0} live events
          </Text>
          <Progress value={rows.length ? (100 * done) / rows.length : 0} />
          <Text size="sm">
            {done} of {run.reports.totalCount} clients finished
          </Text>
        </>
      )}
      <Table highlightOnHover>
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
          {rows.map((r) => (
            <Table.Tr
              key={r.reportId}
              data-report={r.mqttClientId}
              style={{ cursor: 'pointer' }}
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
          ))}
        </Table.Tbody>
      </Table>
      {open && (
        <Card withBorder>
          <ReportDetail reportId={open} tick={live.data?.last?.reportId === open ? live.data.count : 0} />
        </Card>
      )}
    </Stack>
  );
}
