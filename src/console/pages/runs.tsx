import { Stack, Table, Title } from '@mantine/core';
import { useEffect } from 'react';
import { useQuery, useSubscription } from 'urql';
import { Link, Pending, StatusBadge, when } from '../ui';

const RUNS = `query Runs { runs(pageSize: 50) { totalCount nodes { id jobId jobName status trigger startedAt endedAt reportsCount } } }`;
const RUN_EVENTS = `subscription { executionProgress(levels: [RUN]) { runId status } }`;

type RunRow = { id: number; jobName: string; status: string; trigger: string; startedAt: string; endedAt: string | null; reportsCount: number };

export function RunsPage() {
  const [result, refetch] = useQuery({ query: RUNS });
  const [event] = useSubscription({ query: RUN_EVENTS });
  useEffect(() => {
    if (event.data) refetch({ requestPolicy: 'network-only' });
  }, [event.data, refetch]);
  const runs: RunRow[] = result.data?.runs.nodes ?? [];
  return (
    <Stack>
      <Title order={3}>Runs</Title>
      <Pending fetching={result.fetching && !result.data} error={result.error} />
      <Table striped highlightOnHover>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Run</Table.Th>
            <Table.Th>Job</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>Trigger</Table.Th>
            <Table.Th>Started</Table.Th>
            <Table.Th>Ended</Table.Th>
            <Table.Th>Clients</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {runs.map((r) => (
            <Table.Tr key={r.id}>
              <Table.Td>
                <Link to={`/runs/${r.id}`}>{r.id}</Link>
              </Table.Td>
              <Table.Td>{r.jobName}</Table.Td>
              <Table.Td>
                <StatusBadge status={r.status} />
              </Table.Td>
              <Table.Td>{r.trigger}</Table.Td>
              <Table.Td>{when(r.startedAt)}</Table.Td>
              <Table.Td>{when(r.endedAt)}</Table.Td>
              <Table.Td>{r.reportsCount}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
