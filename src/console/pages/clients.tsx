import { Group, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { useQuery, useSubscription } from 'urql';
import { Link, Pending, StatusBadge, when } from '../ui';

const CLIENTS = `query Clients($filter: ClientFilterInput) {
  clients(filter: $filter, pageSize: 200) {
    totalCount
    nodes { id mqttClientId hostname ip role status enabled agentVersion connectedAt disconnectedAt }
  }
}`;
const STATUS = `subscription { clientStatusChanged { clientId status at } }`;

type Row = {
  id: number;
  mqttClientId: string;
  hostname: string | null;
  ip: string | null;
  role: string;
  status: string;
  enabled: boolean;
  agentVersion: string | null;
  connectedAt: string | null;
};
type Change = { clientId: number; status: string; at: string };

/** Clients: search by MQTT client id, filter by status; each row's status follows the live feed. */
export function ClientsPage() {
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState<string | null>(null);
  const [debounced] = useDebouncedValue(search, 250);
  const filter = { ...(debounced ? { mqttClientIdContains: debounced } : {}), ...(status ? { status } : {}) };
  const [result] = useQuery({ query: CLIENTS, variables: { filter } });
  // Changes seen since the page opened, newest per client, laid over the queried rows.
  const [live] = useSubscription<{ clientStatusChanged: Change }, Record<number, Change>>({ query: STATUS }, (acc = {}, event) => ({
    ...acc,
    [event.clientStatusChanged.clientId]: event.clientStatusChanged,
  }));
  const rows: Row[] = result.data?.clients.nodes ?? [];
  return (
    <Stack>
      <Title order={3}>Clients</Title>
      <Group>
        <TextInput placeholder="Search MQTT client id" value={search} onChange={(e) => setSearch(e.currentTarget.value)} w={280} aria-label="Search clients" />
        <Select placeholder="Any status" data={['ONLINE', 'OFFLINE']} value={status} onChange={setStatus} clearable w={160} aria-label="Status" />
        <Text size="sm" c="dimmed">
          {result.data ? `${result.data.clients.totalCount} clients` : ''}
        </Text>
      </Group>
      <Pending fetching={result.fetching && !result.data} error={result.error} />
      <Table striped highlightOnHover>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>MQTT client id</Table.Th>
            <Table.Th>Role</Table.Th>
            <Table.Th>Host</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>Agent</Table.Th>
            <Table.Th>Connected</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((c) => {
            const now = live.data?.[c.id]?.status ?? c.status;
            return (
              <Table.Tr key={c.id} data-client={c.mqttClientId}>
                <Table.Td>
                  <Link to={`/clients/${c.id}`}>{c.mqttClientId}</Link>
                </Table.Td>
                <Table.Td>{c.role}</Table.Td>
                <Table.Td>{[c.hostname, c.ip].filter(Boolean).join(' · ') || '—'}</Table.Td>
                <Table.Td>
                  <Group gap={4}>
                    <StatusBadge status={now} />
                    {!c.enabled && <StatusBadge status="DISABLED" />}
                  </Group>
                </Table.Td>
                <Table.Td>{c.agentVersion ?? '—'}</Table.Td>
                <Table.Td>{when(live.data?.[c.id]?.status === 'ONLINE' ? live.data[c.id].at : c.connectedAt)}</Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
