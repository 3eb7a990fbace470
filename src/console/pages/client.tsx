import { Alert, Badge, Button, Card, Group, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { useMutation, useQuery, useSubscription } from 'urql';
import { errorText, fieldErrors } from '../forms';
import { Link, Pending, StatusBadge, when } from '../ui';

const CLIENT = `query Client($id: Int!) {
  client(id: $id) { id mqttClientId username hostname ip role status enabled agentVersion connectedAt disconnectedAt createdAt
    attributes { attributeId attributeName value readOnly }
    groups(first: 50) { id name } jobs(first: 50) { id name } }
  reports(filter: { clientId: $id }, pageSize: 10) { nodes { reportId runId jobName status startTime endTime } }
}`;
const SET_ATTRIBUTES = `mutation SetAttributes($clientId: Int!, $values: [ClientAttributeValueInput!]!) {
  setClientAttributes(clientId: $clientId, values: $values) { id attributes { attributeId attributeName value readOnly } groups(first: 50) { id name } } }`;
const STATUS = `subscription ($id: Int!) { clientStatusChanged(clientId: $id) { status at } }`;

type Named = { id: number; name: string };
type Attr = { attributeId: number; attributeName: string; value: string | null; readOnly: boolean };
type Recent = { reportId: string; runId: number; jobName: string; status: string; startTime: string | null; endTime: string | null };

/** One client: its record, attributes (the writable ones editable), groups, jobs and latest runs; the status follows the live feed. */
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
            <AttributesEditor clientId={c.id} attributes={c.attributes} />
            <Card withBorder>
              <Text fw={600}>Groups</Text>
              {(c.groups as Named[]).map((g) => (
                <Text key={g.id} size="sm">
                  <Link to={`/groups/${g.id}`}>{g.name}</Link>
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

/**
 * The client's attribute values: writable ones are inputs, read-only ones are shown (the gateway
 * refuses to set them). Saving sends only the changed values, all or none; an empty input clears
 * the value (the default applies again). Errors name the entry (`[1].attributeValue`) and land on its input.
 */
function AttributesEditor({ clientId, attributes }: { clientId: number; attributes: Attr[] }) {
  const [draft, setDraft] = useState<Record<number, string>>(() => Object.fromEntries(attributes.map((a) => [a.attributeId, a.value ?? ''])));
  const [state, save] = useMutation(SET_ATTRIBUTES);
  const [sent, setSent] = useState<number[]>([]);
  const changed = attributes.filter((a) => !a.readOnly && (draft[a.attributeId] ?? '') !== (a.value ?? ''));
  const byEntry = fieldErrors(state.error);
  const errorOf = (id: number) => {
    const i = sent.indexOf(id);
    return i < 0 ? undefined : (byEntry[`[${i}].attributeValue`] ?? byEntry[`[${i}].attributeId`] ?? byEntry[`[${i}].value`]);
  };
  return (
    <Card withBorder data-attributes>
      <Text fw={600}>Attributes</Text>
      {attributes.length === 0 && (
        <Text size="sm" c="dimmed">
          No attributes are defined.
        </Text>
      )}
      <Stack gap={4}>
        {attributes.map((a) =>
          a.readOnly ? (
            <Text key={a.attributeId} size="sm" data-attribute={a.attributeName}>
              {a.attributeName}: {a.value ?? '—'} <Badge size="xs">read-only</Badge>
            </Text>
          ) : (
            <TextInput
              key={a.attributeId}
              size="xs"
              label={a.attributeName}
              value={draft[a.attributeId] ?? ''}
              error={errorOf(a.attributeId)}
              onChange={(e) => setDraft({ ...draft, [a.attributeId]: e.currentTarget.value })}
            />
          ),
        )}
      </Stack>
      {attributes.some((a) => !a.readOnly) && (
        <Button
          mt="xs"
          size="xs"
          disabled={!changed.length}
          loading={state.fetching}
          onClick={() => {
            setSent(changed.map((a) => a.attributeId));
            void save({ clientId, values: changed.map((a) => ({ attributeId: a.attributeId, value: draft[a.attributeId] || null })) });
          }}
        >
          Save attributes
        </Button>
      )}
      {state.error && !Object.keys(byEntry).length && <Alert color="red">{errorText(state.error)}</Alert>}
    </Card>
  );
}
