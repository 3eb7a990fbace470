import { Card, Group, List, NativeSelect, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from 'urql';
import { fieldErrors, errorText, type FieldErrors } from '../forms';
import { StatusBadge } from '../ui';

export interface GroupQuery {
  queryProperty: string;
  queryOperation: string;
  queryValue: string;
}

/** The client fields a dynamic group may compare (the gateway's CLIENT_FIELDS); attribute names come from the API. */
const CLIENT_FIELDS = ['mqttClientId', 'username', 'ip', 'hostname', 'role', 'status', 'enabled', 'clientId', 'connectedAt', 'disconnectedAt', 'createdAt'];
const OPERATIONS = ['EQ', 'NE', 'CONTAINS', 'STARTS_WITH', 'ENDS_WITH', 'IN', 'GT', 'GE', 'LT', 'LE'];

const ATTRIBUTES = `query Attributes { attributes(pageSize: 200) { nodes { name } } }`;
const PREVIEW = `query GroupQueryPreview($query: GroupQueryInput!) {
  groupQueryPreview(query: $query, first: 20) { totalCount clients { id mqttClientId status enabled } } }`;

/**
 * A dynamic group's query (property, operation, value) with the clients it matches now, asked of
 * the gateway as the operator types (groupQueryPreview: the SQL saved groups use). The preview's
 * refusal and `saveErrors` (the group's save) show on the input they name.
 */
export function GroupQueryBuilder({ value, onChange, saveErrors = {} }: { value: GroupQuery; onChange: (q: GroupQuery) => void; saveErrors?: FieldErrors }) {
  const [attributes] = useQuery({ query: ATTRIBUTES });
  const [query] = useDebouncedValue(value, 300);
  const [preview] = useQuery({ query: PREVIEW, variables: { query }, pause: !query.queryProperty, requestPolicy: 'network-only' });
  const errors = { ...fieldErrors(preview.error), ...saveErrors };
  const other = preview.error && !Object.keys(fieldErrors(preview.error)).length ? errorText(preview.error) : null;
  const names: string[] = (attributes.data?.attributes.nodes ?? []).map((a: { name: string }) => a.name);
  const data = [{ group: 'Client fields', items: CLIENT_FIELDS }, ...(names.length ? [{ group: 'Attributes', items: names }] : [])];
  const set = (k: keyof GroupQuery, v: string) => onChange({ ...value, [k]: v });
  const matched = preview.data?.groupQueryPreview;
  return (
    <Card withBorder data-query-builder>
      <Text fw={600}>Members: the clients where</Text>
      <Group align="flex-start" mt="xs">
        <NativeSelect
          label="Property"
          data={[{ value: '', label: 'Choose…' }, ...data]}
          value={value.queryProperty}
          error={errors.queryProperty}
          onChange={(e) => set('queryProperty', e.currentTarget.value)}
        />
        <NativeSelect
          label="Operation"
          data={OPERATIONS}
          value={value.queryOperation}
          error={errors.queryOperation}
          onChange={(e) => set('queryOperation', e.currentTarget.value)}
        />
        <TextInput
          label="Value"
          description={value.queryOperation === 'IN' ? 'a comma-separated list' : undefined}
          value={value.queryValue}
          error={errors.queryValue}
          onChange={(e) => set('queryValue', e.currentTarget.value)}
        />
      </Group>
      {other && (
        <Text c="red" size="sm">
          {other}
        </Text>
      )}
      {matched && (
        <div data-query-preview>
          <Text size="sm" mt="xs" data-preview-count={matched.totalCount}>
            Matches {matched.totalCount} client{matched.totalCount === 1 ? '' : 's'} now
          </Text>
          <List size="sm">
            {matched.clients.map((c: { id: number; mqttClientId: string; status: string; enabled: boolean }) => (
              <List.Item key={c.id} data-preview-client={c.mqttClientId}>
                {c.mqttClientId} <StatusBadge status={c.enabled ? c.status : 'DISABLED'} />
              </List.Item>
            ))}
            {matched.totalCount > matched.clients.length && <List.Item>… and {matched.totalCount - matched.clients.length} more</List.Item>}
          </List>
        </div>
      )}
    </Card>
  );
}
