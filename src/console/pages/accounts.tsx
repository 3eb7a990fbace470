import { Alert, Badge, Button, Card, Group, NativeSelect, PasswordInput, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { errorText, fieldErrors } from '../forms';
import { Pending, when } from '../ui';

const USERS = `query Users($pageNo: Int!) { users(pageNo: $pageNo, pageSize: 50) {
  nodes { id username role banned createdAt lastLoginAt passwordChangedAt } pageInfo { pageNo totalPages } totalCount } }`;
const CREATE = `mutation CreateUser($input: CreateUserInput!) { createUser(input: $input) { id username role } }`;
const UPDATE = `mutation UpdateUser($id: Int!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id role banned passwordChangedAt } }`;

export const ROLES = ['VIEWER', 'OPERATOR', 'ADMIN'];
type User = { id: number; username: string; role: string; banned: boolean; createdAt: string; lastLoginAt: string | null; passwordChangedAt: string | null };

/** Operators' accounts (admins only): create one, change its role, ban or unban it, set a new password. */
export function AccountsPage() {
  const [pageNo, setPageNo] = useState(1);
  const [result, refetch] = useQuery({ query: USERS, variables: { pageNo } });
  const reload = () => refetch({ requestPolicy: 'network-only' });
  const page = result.data?.users;
  return (
    <Stack>
      <Title order={3}>Accounts</Title>
      <CreateAccount onCreated={reload} />
      <Pending fetching={result.fetching && !result.data} error={result.error} />
      {page && (
        <Card withBorder>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Username</Table.Th>
                <Table.Th>Role</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Last login</Table.Th>
                <Table.Th>New password</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(page.nodes as User[]).map((u) => (
                <AccountRow key={u.id} user={u} />
              ))}
            </Table.Tbody>
          </Table>
          <Pager pageNo={pageNo} totalPages={page.pageInfo.totalPages} onPage={setPageNo} />
        </Card>
      )}
    </Stack>
  );
}

function CreateAccount({ onCreated }: { onCreated: () => void }) {
  const [draft, setDraft] = useState({ username: '', password: '', role: 'OPERATOR' });
  const [state, create] = useMutation(CREATE);
  const errors = fieldErrors(state.error);
  return (
    <Card withBorder>
      <Group align="end">
        <TextInput
          size="xs"
          label="New username"
          value={draft.username}
          error={errors.username}
          onChange={(e) => setDraft({ ...draft, username: e.currentTarget.value })}
        />
        <PasswordInput
          size="xs"
          label="Password"
          value={draft.password}
          error={errors.password}
          onChange={(e) => setDraft({ ...draft, password: e.currentTarget.value })}
        />
        <NativeSelect size="xs" label="Role" data={ROLES} value={draft.role} onChange={(e) => setDraft({ ...draft, role: e.currentTarget.value })} />
        <Button
          size="xs"
          loading={state.fetching}
          onClick={async () => {
            const res = await create({ input: draft });
            if (!res.error) {
              setDraft({ username: '', password: '', role: draft.role });
              onCreated();
            }
          }}
        >
          Create account
        </Button>
      </Group>
      {state.error && !errors.username && !errors.password && <Alert color="red">{errorText(state.error)}</Alert>}
    </Card>
  );
}

/** One account; each change is saved at once (the gateway keeps the last admin an admin and says so). */
function AccountRow({ user }: { user: User }) {
  const [state, update] = useMutation(UPDATE);
  const [password, setPassword] = useState('');
  const errors = fieldErrors(state.error);
  const problem = errors.password ? undefined : errorText(state.error);
  return (
    <Table.Tr data-account={user.username}>
      <Table.Td>{user.username}</Table.Td>
      <Table.Td>
        <NativeSelect
          size="xs"
          aria-label={`Role of ${user.username}`}
          data={ROLES}
          value={user.role}
          onChange={(e) => void update({ id: user.id, input: { role: e.currentTarget.value } })}
        />
      </Table.Td>
      <Table.Td>
        <Group gap={4}>
          {user.banned ? <Badge color="red">banned</Badge> : <Badge color="green">active</Badge>}
          <Button size="compact-xs" variant="light" onClick={() => void update({ id: user.id, input: { banned: !user.banned } })}>
            {user.banned ? 'Unban' : 'Ban'}
          </Button>
        </Group>
        {problem && (
          <Text size="xs" c="red">
            {problem}
          </Text>
        )}
      </Table.Td>
      <Table.Td>{when(user.lastLoginAt)}</Table.Td>
      <Table.Td>
        <Group gap={4} align="start">
          <PasswordInput
            size="xs"
            aria-label={`New password of ${user.username}`}
            value={password}
            error={errors.password}
            onChange={(e) => setPassword(e.currentTarget.value)}
          />
          <Button
            size="compact-xs"
            disabled={!password}
            onClick={async () => {
              const res = await update({ id: user.id, input: { password } });
              if (!res.error) setPassword('');
            }}
          >
            Reset
          </Button>
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}

/** Previous / next for the API's numbered pages. */
export function Pager({ pageNo, totalPages, onPage }: { pageNo: number; totalPages: number; onPage: (n: number) => void }) {
  return (
    <Group gap="xs" mt="xs">
      <Button size="compact-xs" variant="default" disabled={pageNo <= 1} onClick={() => onPage(pageNo - 1)}>
        Previous
      </Button>
      <Text size="xs" data-page={pageNo}>
        page {pageNo} of {Math.max(totalPages, 1)}
      </Text>
      <Button size="compact-xs" variant="default" disabled={pageNo >= totalPages} onClick={() => onPage(pageNo + 1)}>
        Next
      </Button>
    </Group>
  );
}
