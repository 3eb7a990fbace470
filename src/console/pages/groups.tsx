import { Button, Group, NativeSelect, Stack, Table, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { errorText, fieldErrors } from '../forms';
import { navigate } from '../router';
import { Link, Pending, StatusBadge } from '../ui';
import { GroupQueryBuilder, type GroupQuery } from './group-query';

const GROUPS = `query Groups { groups(pageSize: 200) { nodes { id name type enabled clientsCount jobsCount queryProperty queryOperation queryValue } } }`;
const CREATE = `mutation CreateGroup($input: CreateGroupInput!) { createGroup(input: $input) { id } }`;
/** The service names a group's name `groupName` (the REST document's word); the form calls it name. */
export const GROUP_FIELD_ALIASES = { groupName: 'name' };

type GroupRow = {
  id: number;
  name: string;
  type: string;
  enabled: boolean;
  clientsCount: number;
  jobsCount: number;
  queryProperty: string | null;
  queryOperation: string | null;
  queryValue: string | null;
};

/** Every group; a new one is static (members bound by hand) or dynamic (its query, previewed live). */
export function GroupsPage() {
  const [result] = useQuery({ query: GROUPS });
  const [created, create] = useMutation(CREATE);
  const [name, setName] = useState('');
  const [type, setType] = useState('STATIC');
  const [query, setQuery] = useState<GroupQuery>({ queryProperty: '', queryOperation: 'EQ', queryValue: '' });
  const errors = fieldErrors(created.error, GROUP_FIELD_ALIASES);
  const groups: GroupRow[] = result.data?.groups.nodes ?? [];
  return (
    <Stack>
      <Title order={3}>Groups</Title>
      <Group align="flex-end">
        <TextInput
          label="New group name"
          value={name}
          error={errors.name ?? (Object.keys(errors).length ? undefined : errorText(created.error))}
          onChange={(e) => setName(e.currentTarget.value)}
        />
        <NativeSelect label="Kind" data={['STATIC', 'DYNAMIC']} value={type} onChange={(e) => setType(e.currentTarget.value)} />
        <Button
          loading={created.fetching}
          onClick={async () => {
            const input = type === 'DYNAMIC' ? { name, type, ...query } : { name, type };
            const res = await create({ input });
            if (res.data) navigate(`/groups/${res.data.createGroup.id}`);
          }}
        >
          Create group
        </Button>
      </Group>
      {type === 'DYNAMIC' && <GroupQueryBuilder value={query} onChange={setQuery} saveErrors={errors} />}
      <Pending fetching={result.fetching && !result.data} error={result.error} />
      <Table striped highlightOnHover>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Group</Table.Th>
            <Table.Th>Kind</Table.Th>
            <Table.Th>Members</Table.Th>
            <Table.Th>Jobs</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {groups.map((g) => (
            <Table.Tr key={g.id} data-group={g.name}>
              <Table.Td>
                <Link to={`/groups/${g.id}`}>{g.name}</Link> {!g.enabled && <StatusBadge status="DISABLED" />}
              </Table.Td>
              <Table.Td>{g.type === 'DYNAMIC' ? `DYNAMIC · ${g.queryProperty} ${g.queryOperation} ${g.queryValue}` : 'STATIC'}</Table.Td>
              <Table.Td>{g.clientsCount}</Table.Td>
              <Table.Td>{g.jobsCount}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
