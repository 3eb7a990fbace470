import { Badge, Card, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery, useSubscription } from 'urql';
import { Link, Pending, StatusBadge, when } from '../ui';

const CLIENT = `query Client($id: Int!) {
  client(id: $id) { id mqttClientId username hostname ip role status enabled agentVersion connectedAt disconnectedAt createdAt
    attributes { attributeId attributeName value readOnly }
    groups(first: 50) { id name } jobs(first: 50) { id name } }
  reports(filter: { clientId: $id }, pageSize: 10) { nodes { reportId runId jobName status startTime endTime } }
}`;
const STATUS = `subscription ($id: Int!) { clientStatusChanged(clientId: $id) { status at } }`;

type Named = { id: number; name: string };
type Attr = { attributeId: number; attributeName: string; value: string | null; readOnly: boolean };
type Recent = { reportId: string; runId: number; jobName: string; status: string; startTime: string | null; endTime: string | null };

/** One client: its record, attributes, groups, jobs and latest runs; the status follows the live feed. Read-only for now. */
export function ClientPage({ id }: { id: number }) {
  const [result] = useQuery({ query: CLIENT, variables: { id } });
  const [live] = useSubscription({ query: STATUS, variables: { id } });
  const c = result.data?.client;
  return (
    <Stack>
      <Pending fetching={result.fetching && !result.data} error={result.error} />
      {c && (
        <>
          <Group>
            <Title order={3}>{c.mqttClientId}</Title>
            <StatusBadge status={live.data?.clientStatusChanged.status ?? c.status} />
            {!c.enabled && <StatusBadge status="DISABLED" />}
            <Badge variant="outline">{c.role}</Badge>
          </Group>
          <Text size="sm" c="dimmed">
            {[c.hostname, c.ip, c.username].filter(Boolean).join(' · ')} · agent {c.agentVersion ?? '—'} · connected {when(c.connectedAt)} · disconnected{' '}
            {when(c.disconnectedAt)}
          </Text>
          <SimpleGrid cols={3}>
            <Card withBorder>
              <Text fw={600}>Attributes</Text>
              {c.attributes.length === 0 && (
                <Text size="sm" c="dimmed">
                  No attributes are defined.
                </Text>
              )}
              {(c.attributes as Attr[]).map((a) => (
                <Text key={a.attributeId} size="sm">
                  {a.attributeName}: {a.value ?? '—'} {a.readOnly && <Badge size="xs">read-only</Badge>}
                </Text>
              ))}
            </Card>
            <Card withBorder>
              <Text fw={600}>Groups</Text>
              {(c.groups as Named[]).map((g) => (
                <Text key={g.id} size="sm">
                  {g.name}
                </Text>
              ))}
            </Card>
            <Card withBorder>
              <Text fw={600}>Jobs</Text>
              {(c.jobs as Named[]).map((j) => (
                <Text key={j.id} size="sm">
                  <Link to={`/jobs/${j.id}`}>{j.name}</Link>
                </Text>
              ))}
            </Card>
          </SimpleGrid>
          <Card withBorder>
            <Text fw={600}>Recent runs</Text>
            <Table>
              <Table.Tbody>
                {(result.data.reports.nodes as Recent[]).map((r) => (
                  <Table.Tr key={r.reportId}>
                    <Table.Td>
                      <Link to={`/runs/${r.runId}`}>Run {r.runId}</Link>
                    </Table.Td>
                    <Table.Td>{r.jobName}</Table.Td>
                    <Table.Td>
                      <StatusBadge status={r.status} />
                    </Table.Td>
                    <Table.Td>{when(r.startTime)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Card>
        </>
      )}
    </Stack>
  );
}
