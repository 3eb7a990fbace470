import { Alert, Badge, Button, Card, Code, CopyButton, Group, NativeSelect, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { errorText, fieldErrors } from '../forms';
import { Pending, when } from '../ui';
import { Pager, ROLES } from './accounts';

const KEYS = `query ApiKeys($pageNo: Int!) { apiKeys(pageNo: $pageNo, pageSize: 50) {
  nodes { keyId name role createdAt createdBy lastUsedAt revokedAt } pageInfo { pageNo totalPages } } }`;
const CREATE = `mutation CreateApiKey($name: String!, $role: OperatorRole) { createApiKey(name: $name, role: $role) { secret apiKey { keyId name role } } }`;
const REVOKE = `mutation RevokeApiKey($keyId: String!) { revokeApiKey(keyId: $keyId) { keyId revokedAt } }`;

type Key = { keyId: string; name: string; role: string; createdAt: string; createdBy: string; lastUsedAt: string | null; revokedAt: string | null };

/** API keys (admins only): create one (its secret is shown this once, the gateway keeps only a hash), list them, revoke one. */
export function ApiKeysPage() {
  const [pageNo, setPageNo] = useState(1);
  const [result, refetch] = useQuery({ query: KEYS, variables: { pageNo } });
  const [draft, setDraft] = useState({ name: '', role: 'OPERATOR' });
  const [created, create] = useMutation(CREATE);
  const [revoked, revoke] = useMutation(REVOKE);
  // Kept in this component only: leaving the page forgets the secret for good.
  const [secret, setSecret] = useState<{ name: string; credential: string } | null>(null);
  const errors = fieldErrors(created.error);
  const page = result.data?.apiKeys;
  return (
    <Stack>
      <Title order={3}>API keys</Title>
      <Card withBorder>
        <Group align="end">
          <TextInput size="xs" label="Key name" value={draft.name} error={errors.name} onChange={(e) => setDraft({ ...draft, name: e.currentTarget.value })} />
          <NativeSelect size="xs" label="Key role" data={ROLES} value={draft.role} onChange={(e) => setDraft({ ...draft, role: e.currentTarget.value })} />
          <Button
            size="xs"
            loading={created.fetching}
            onClick={async () => {
              const res = await create(draft);
              const made = res.data?.createApiKey;
              if (made) {
                setSecret({ name: made.apiKey.name, credential: `${made.apiKey.keyId}:${made.secret}` });
                setDraft({ ...draft, name: '' });
                refetch({ requestPolicy: 'network-only' });
              }
            }}
          >
            Create key
          </Button>
        </Group>
        {created.error && !errors.name && <Alert color="red">{errorText(created.error)}</Alert>}
        {secret && (
          <Alert color="yellow" mt="xs" title={`The secret of "${secret.name}", shown this once`} withCloseButton onClose={() => setSecret(null)}>
            <Text size="sm">Use it as HTTP Basic or Bearer credentials (keyId:secret). The gateway keeps only its hash: copy it now.</Text>
            <Group gap="xs">
              <Code data-secret>{secret.credential}</Code>
              <CopyButton value={secret.credential}>
                {({ copied, copy }) => (
                  <Button size="compact-xs" variant="light" onClick={copy}>
                    {copied ? 'Copied' : 'Copy'}
                  </Button>
                )}
              </CopyButton>
            </Group>
          </Alert>
        )}
      </Card>
      <Pending fetching={result.fetching && !result.data} error={result.error} />
      {revoked.error && <Alert color="red">{errorText(revoked.error)}</Alert>}
      {page && (
        <Card withBorder>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Key id</Table.Th>
                <Table.Th>Role</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th>Last used</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(page.nodes as Key[]).map((k) => (
                <Table.Tr key={k.keyId} data-api-key={k.name}>
                  <Table.Td>{k.name}</Table.Td>
                  <Table.Td>
                    <Code>{k.keyId}</Code>
                  </Table.Td>
                  <Table.Td>{k.role}</Table.Td>
                  <Table.Td>
                    {when(k.createdAt)} by {k.createdBy}
                  </Table.Td>
                  <Table.Td>{when(k.lastUsedAt)}</Table.Td>
                  <Table.Td>
                    {k.revokedAt ? (
                      <Badge color="gray">revoked {when(k.revokedAt)}</Badge>
                    ) : (
                      <Button size="compact-xs" color="red" variant="light" onClick={() => void revoke({ keyId: k.keyId })}>
                        Revoke
                      </Button>
                    )}
                  </Table.Td>
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
