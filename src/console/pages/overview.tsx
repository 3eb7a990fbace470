import { Card, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useEffect, useMemo } from 'react';
import { useQuery, useSubscription } from 'urql';
import { Link, Pending, StatusBadge, when } from '../ui';
import { WeekCalendar, weekStart, type CalendarEntry } from './calendar';
import { OnlineClientsChart } from './online-chart';

const OVERVIEW = `query Overview($from: DateTimeISO!, $weekFrom: DateTimeISO!, $weekTo: DateTimeISO!) {
  dashboard {
    reports { clientsOnline clientsOffline clientsDisabled jobSuccess jobFailed jobNotExecuted }
    onlineClients(from: $from, intervalSeconds: 1800) { time clientCount }
    scheduledJobs(from: $weekFrom, to: $weekTo) { jobId jobName runId result startAt clients }
  }
  runs(filter: { status: FAILED }, pageSize: 5) { nodes { id jobId jobName startedAt endedAt } }
}`;

const CLIENT_STATUS = `subscription { clientStatusChanged { clientId status at } }`;
const RUN_ENDS = `subscription { executionProgress(levels: [RUN]) { runId status at } }`;

function Figure({ label, value, color }: { label: string; value?: number; color?: string }) {
  return (
    <Card withBorder padding="md" data-figure={label}>
      <Text size="xs" c="dimmed" tt="uppercase">
        {label}
      </Text>
      <Text size="xl" fw={700} c={color}>
        {value ?? '…'}
      </Text>
    </Card>
  );
}

/** Dashboard figures, kept current by the live subscriptions rather than by polling. */
export function OverviewPage() {
  // The 24 h window is fixed per visit; the chart's points are the gateway's.
  const from = useMemo(() => new Date(Date.now() - 24 * 3600_000).toISOString(), []);
  const week = useMemo(() => weekStart(), []);
  const variables = useMemo(() => ({ from, weekFrom: week.toISOString(), weekTo: new Date(week.getTime() + 7 * 24 * 3600_000).toISOString() }), [from, week]);
  const [result, refetch] = useQuery({ query: OVERVIEW, variables });
  const [statusEvent] = useSubscription({ query: CLIENT_STATUS });
  const [runEvent] = useSubscription({ query: RUN_ENDS });
  useEffect(() => {
    if (statusEvent.data || runEvent.data) refetch({ requestPolicy: 'network-only' });
  }, [statusEvent.data, runEvent.data, refetch]);
  const r = result.data?.dashboard.reports;
  const failures: { id: number; jobId: number; jobName: string; startedAt: string; endedAt: string | null }[] = result.data?.runs.nodes ?? [];
  return (
    <Stack>
      <Title order={3}>Overview</Title>
      <Pending fetching={result.fetching && !result.data} error={result.error} />
      <SimpleGrid cols={{ base: 2, md: 6 }}>
        <Figure label="Online" value={r?.clientsOnline} color="green" />
        <Figure label="Offline" value={r?.clientsOffline} />
        <Figure label="Disabled" value={r?.clientsDisabled} color="orange" />
        <Figure label="Runs succeeded" value={r?.jobSuccess} color="green" />
        <Figure label="Runs failed" value={r?.jobFailed} color="red" />
        <Figure label="Not executed" value={r?.jobNotExecuted} />
      </SimpleGrid>
      <Card withBorder>
        <Text fw={600}>Online clients, last 24 h</Text>
        <OnlineClientsChart points={result.data?.dashboard.onlineClients ?? []} />
      </Card>
      <Card withBorder>
        <Text fw={600} mb={6}>
          Job calendar, this week
        </Text>
        <WeekCalendar from={week} entries={(result.data?.dashboard.scheduledJobs ?? []) as CalendarEntry[]} />
      </Card>
      <Card withBorder>
        <Group justify="space-between">
          <Text fw={600}>Latest failures</Text>
          <Link to="/runs">All runs</Link>
        </Group>
        {failures.length === 0 ? (
          <Text c="dimmed" size="sm">
            No failed runs.
          </Text>
        ) : (
          <Table>
            <Table.Tbody>
              {failures.map((f) => (
                <Table.Tr key={f.id}>
                  <Table.Td>
                    <Link to={`/runs/${f.id}`}>Run {f.id}</Link>
                  </Table.Td>
                  <Table.Td>{f.jobName}</Table.Td>
                  <Table.Td>{when(f.startedAt)}</Table.Td>
                  <Table.Td>
                    <StatusBadge status="FAILED" />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Card>
    </Stack>
  );
}
