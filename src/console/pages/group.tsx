import { Alert, Button, Card, Checkbox, Group, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { useClient, useMutation, useQuery } from 'urql';
import { errorText, fieldErrors } from '../forms';
import { Link, Pending, StatusBadge, when } from '../ui';
import { BindingCard } from './binding-card';
import { GroupQueryBuilder, type GroupQuery } from './group-query';
import { GROUP_FIELD_ALIASES } from './groups';

const GROUP = `query Group($id: Int!) {
  group(id: $id) { id name description type enabled queryProperty queryOperation queryValue clientsCount membershipChangedAt lastRefreshedAt
    clients(first: 100) { id mqttClientId status enabled } jobs(first: 50) { id name } }
}`;
const UPDATE = `mutation UpdateGroup($input: UpdateGroupInput!) { updateGroup(input: $input) { id name description enabled queryProperty queryOperation queryValue clientsCount } }`;
const BIND = `mutation ($groupId: Int!, $ids: [Int!]!) { bindGroupClients(groupId: $groupId, clientIds: $ids) { id clientsCount } }`;
const UNBIND = `mutation ($groupId: Int!, $ids: [Int!]!) { unbindGroupClients(groupId: $groupId, clientIds: $ids) { id clientsCount } }`;

type Member = { id: number; mqttClientId: string; status: string; enabled: boolean };

/** One group: its name and state; a static group's members bound by hand, a dynamic group's query with a live preview. */
export function GroupPage({ id }: { id: number }) {
  const [result] = useQuery({ query: GROUP, variables: { id } });
  const g = result.data?.group;
  return (
    <Stack>
      <Pending fetching={result.fetching && !result.data} error={result.error} />
      {g && (
        <>
          <Group>
            <Title order={3}>{g.name}</Title>
            <StatusBadge status={g.type} />
            {!g.enabled && <StatusBadge status="DISABLED" />}
          </Group>
          <Text size="sm" c="dimmed">
            {g.clientsCount} members · changed {when(g.membershipChangedAt)}
            {g.type === 'DYNAMIC' && ` · evaluated ${when(g.lastRefreshedAt)}`} · jobs:{' '}
            {(g.jobs as { id: number; name: string }[]).map((j, i) => (
              <span key={j.id}>
                {i > 0 && ', '}
                <Link to={`/jobs/${j.id}`}>{j.name}</Link>
              </span>
            ))}
            {g.jobs.length === 0 && 'none'}
          </Text>
          <GroupForm key={g.id} group={g} />
          {g.type === 'STATIC' ? <StaticMembers groupId={id} members={g.clients} /> : <MemberList members={g.clients} total={g.clientsCount} />}
        </>
      )}
    </Stack>
  );
}

type GroupFields = GroupQuery & { id: number; name: string; description: string | null; type: string; enabled: boolean };

function GroupForm({ group }: { group: GroupFields }) {
  const [form, setForm] = useState({ name: group.name, description: group.description ?? '', enabled: group.enabled });
  const [query, setQuery] = useState<GroupQuery>({
    queryProperty: group.queryProperty ?? '',
    queryOperation: group.queryOperation ?? 'EQ',
    queryValue: group.queryValue ?? '',
  });
  const [saved, save] = useMutation(UPDATE);
  const errors = fieldErrors(saved.error, GROUP_FIELD_ALIASES);
  const dynamic = group.type === 'DYNAMIC';
  return (
    <Stack>
      <Card withBorder>
        <Group align="flex-end">
          <TextInput label="Name" value={form.name} error={errors.name} onChange={(e) => setForm({ ...form, name: e.currentTarget.value })} />
          <TextInput label="Description" w={320} value={form.description} onChange={(e) => setForm({ ...form, description: e.currentTarget.value })} />
          <Checkbox mb={8} label="Enabled" checked={form.enabled} onChange={(e) => setForm({ ...form, enabled: e.currentTarget.checked })} />
          <Button
            loading={saved.fetching}
            onClick={() => void save({ input: { id: group.id, ...form, description: form.description || null, ...(dynamic ? query : {}) } })}
          >
            Save group
          </Button>
        </Group>
        {saved.error && !Object.keys(errors).length && <Alert color="red">{errorText(saved.error)}</Alert>}
      </Card>
      {dynamic && <GroupQueryBuilder value={query} onChange={setQuery} saveErrors={errors} />}
    </Stack>
  );
}

function StaticMembers({ groupId, members }: { groupId: number; members: Member[] }) {
  const client = useClient();
  const [error, setError] = useState<string | null>(null);
  const change = async (doc: string, ids: number[]) => {
    setError(null);
    const res = await client.mutation(doc, { groupId, ids }).toPromise();
    if (res.error) setError(errorText(res.error));
  };
  return (
    <Stack>
      {error && <Alert color="red">{error}</Alert>}
      <BindingCard
        title="Members (bound by hand)"
        kind="client"
        items={members.map((m) => ({ id: m.id, label: m.mqttClientId, to: `/clients/${m.id}` }))}
        onAdd={(id) => change(BIND, [id])}
        onRemove={(id) => change(UNBIND, [id])}
      />
    </Stack>
  );
}

function MemberList({ members, total }: { members: Member[]; total: number }) {
  return (
    <Card withBorder>
      <Text fw={600}>Members now (the saved query&apos;s matches)</Text>
      {members.map((m) => (
        <Group key={m.id} gap="xs" data-member={m.mqttClientId}>
          <Link to={`/clients/${m.id}`}>{m.mqttClientId}</Link>
          <StatusBadge status={m.enabled ? m.status : 'DISABLED'} />
        </Group>
      ))}
      {total > members.length && <Text size="sm">… and {total - members.length} more</Text>}
    </Card>
  );
}
