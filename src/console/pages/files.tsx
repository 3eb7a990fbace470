import { Alert, Button, Card, Code, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { errorText } from '../forms';
import { readToken } from '../session';
import { Pending, StatusBadge, when } from '../ui';
import { Pager } from './accounts';
import { RemoteFolderCard } from './remote-folder';
import { bytes, LiveTransfers } from './transfers';

const FILES = `query Files($filter: StoredFileFilterInput, $pageNo: Int!) { storedFiles(filter: $filter, pageNo: $pageNo, pageSize: 50) {
  nodes { id name kind status size sha256 mqttClientId createdAt completedAt downloadUrl message } pageInfo { pageNo totalPages } totalCount }
  fileStoreUsage { completeFiles partialFiles failedFiles } }`;
const DELETE = `mutation DeleteStoredFile($id: Int!) { deleteStoredFile(id: $id) }`;

type StoredFile = {
  id: number;
  name: string;
  kind: string;
  status: string;
  size: number;
  sha256: string;
  mqttClientId: string | null;
  createdAt: string;
  completedAt: string | null;
  downloadUrl: string;
  message: string | null;
};

/**
 * The file store: what agents uploaded, transfer spools and files fetched from a client, with a
 * download and a delete; a client's folders, browsed and fetched into the store; transfers live.
 * The gateway has no browser upload route (docs/files.md): files come from agents.
 */
export function FilesPage() {
  const [name, setName] = useState('');
  const [q] = useDebouncedValue(name, 300);
  const [pageNo, setPageNo] = useState(1);
  const [result, refetch] = useQuery({ query: FILES, variables: { pageNo, filter: q ? { nameContains: q } : null } });
  const [deleted, remove] = useMutation(DELETE);
  const [downloadError, setDownloadError] = useState<string | null>(null);
  const page = result.data?.storedFiles;
  const usage = result.data?.fileStoreUsage;
  const reload = () => refetch({ requestPolicy: 'network-only' });
  return (
    <Stack>
      <Title order={3}>Files</Title>
      <Group align="end">
        <TextInput size="xs" label="Name contains" value={name} onChange={(e) => (setPageNo(1), setName(e.currentTarget.value))} />
        {usage && (
          <Text size="sm" c="dimmed">
            {usage.completeFiles} complete, {usage.partialFiles} arriving, {usage.failedFiles} failed
          </Text>
        )}
      </Group>
      <Pending fetching={result.fetching && !result.data} error={result.error} />
      {deleted.error && <Alert color="red">{errorText(deleted.error)}</Alert>}
      {downloadError && <Alert color="red">{downloadError}</Alert>}
      {page && (
        <Card withBorder>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Kind</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Size</Table.Th>
                <Table.Th>From</Table.Th>
                <Table.Th>Stored</Table.Th>
                <Table.Th>SHA-256</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(page.nodes as StoredFile[]).map((f) => (
                <Table.Tr key={f.id} data-file={f.name}>
                  <Table.Td>{f.name}</Table.Td>
                  <Table.Td>{f.kind}</Table.Td>
                  <Table.Td>
                    <StatusBadge status={f.status} />
                  </Table.Td>
                  <Table.Td>{bytes(f.size)}</Table.Td>
                  <Table.Td>{f.mqttClientId ?? '—'}</Table.Td>
                  <Table.Td>{when(f.completedAt ?? f.createdAt)}</Table.Td>
                  <Table.Td>
                    <Code title={f.sha256}>{f.sha256.slice(0, 12)}</Code>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4} wrap="nowrap">
                      <Button
                        size="compact-xs"
                        variant="light"
                        disabled={f.status !== 'COMPLETE'}
                        onClick={() =>
                          download(f).then(
                            () => setDownloadError(null),
                            (e: Error) => setDownloadError(e.message),
                          )
                        }
                      >
                        Download
                      </Button>
                      <Button
                        size="compact-xs"
                        variant="light"
                        color="red"
                        onClick={async () => {
                          if (!(await remove({ id: f.id })).error) reload();
                        }}
                      >
                        Delete
                      </Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Pager pageNo={pageNo} totalPages={page.pageInfo.totalPages} onPage={setPageNo} />
        </Card>
      )}
      <RemoteFolderCard onFetched={reload} />
      <LiveTransfers />
    </Stack>
  );
}

/**
 * The download route wants the session's Authorization header, which a plain link cannot send:
 * read the bytes with fetch and hand them to the browser as a file of the stored name.
 */
async function download(f: StoredFile): Promise<void> {
  const res = await fetch(f.downloadUrl, { headers: { authorization: `Bearer ${readToken()}` } });
  if (!res.ok) throw new Error(`Download of ${f.name} refused: HTTP ${res.status}`);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = f.name;
  a.click();
  // The click has started the download: the blob may go once the browser has taken it.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
