import { Card, Code, Group, NativeSelect, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { useQuery } from 'urql';
import { Pending, when } from '../ui';
import { Pager } from './accounts';

const AUDIT = `query Audit($filter: AuditFilterInput, $pageNo: Int!) { auditLog(filter: $filter, pageNo: $pageNo, pageSize: 50) {
  nodes { id at actor actorKind role door action outcome errorCode address detail } pageInfo { pageNo totalPages } totalCount } }`;

type Entry = {
  id: string;
  at: string;
  actor: string;
  actorKind: string;
  role: string | null;
  door: string;
  action: string;
  outcome: string;
  errorCode: string | null;
  address: string | null;
  detail: Record<string, unknown> | null;
};

/** A `datetime-local` value (the browser's time zone) as the API's instant; empty: no bound. */
const instant = (local: string) => (local ? new Date(local).toISOString() : undefined);

/** The audit log (admins only), newest first, 50 a page; filtered on the gateway by actor, action (a prefix with *), outcome and time. */
export function AuditPage() {
  const [filter, setFilter] = useState({ actor: '', action: '', outcome: '', since: '', until: '' });
  const [typed] = useDebouncedValue(filter, 300);
  const [pageNo, setPageNo] = useState(1);
  const variables = {
    pageNo,
    filter: {
      actor: typed.actor || undefined,
      action: typed.action || undefined,
      outcome: typed.outcome || undefined,
      since: instant(typed.since),
      until: instant(typed.until),
    },
  };
  const [result] = useQuery({ query: AUDIT, variables });
  const set = (key: keyof typeof filter) => (e: { currentTarget: { value: string } }) => {
    setPageNo(1);
    setFilter({ ...filter, [key]: e.currentTarget.value });
  };
  const page = result.data?.auditLog;
  return (
    <Stack>
      <Title order={3}>Audit log</Title>
      <Group align="end">
        <TextInput size="xs" label="Actor" placeholder="admin, apikey:ci" value={filter.actor} onChange={set('actor')} />
        <TextInput size="xs" label="Action" placeholder="createUser, auth.*" value={filter.action} onChange={set('action')} />
        <NativeSelect size="xs" label="Outcome" data={['', 'ok', 'denied', 'failed']} value={filter.outcome} onChange={set('outcome')} />
        <TextInput size="xs" type="datetime-local" label="Since" value={filter.since} onChange={set('since')} />
        <TextInput size="xs" type="datetime-local" label="Until" value={filter.until} onChange={set('until')} />
      </Group>
      <Pending fetching={result.fetching && !result.data} error={result.error} />
      {page && (
        <Card withBorder>
          <Text size="sm" c="dimmed" data-audit-count={page.totalCount}>
            {page.totalCount} entries
          </Text>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>At</Table.Th>
                <Table.Th>Actor</Table.Th>
                <Table.Th>Door</Table.Th>
                <Table.Th>Action</Table.Th>
                <Table.Th>Outcome</Table.Th>
                <Table.Th>Detail</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(page.nodes as Entry[]).map((e) => (
                <Table.Tr key={e.id} data-audit-action={e.action} data-audit-actor={e.actor}>
                  <Table.Td>{when(e.at)}</Table.Td>
                  <Table.Td>
                    {e.actor}{' '}
                    {e.role && (
                      <Text span size="xs" c="dimmed">
                        ({e.role})
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>{e.door}</Table.Td>
                  <Table.Td>{e.action}</Table.Td>
                  <Table.Td>
                    {e.outcome}
                    {e.errorCode && ` ${e.errorCode}`}
                  </Table.Td>
                  <Table.Td>{e.detail && <Code>{JSON.stringify(e.detail).slice(0, 160)}</Code>}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Pager pageNo={pageNo} totalPages={page.pageInfo.totalPages} onPage={setPageNo} />
        </Card>
      )}
    </Stack>
  );
}
