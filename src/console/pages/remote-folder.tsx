import { Alert, Anchor, Button, Card, Group, Stack, Table, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { errorText } from '../forms';
import { ClientPicker } from './client-picker';
import { bytes } from './transfers';

const FOLDER = `query RemoteFolder($clientId: Int!, $path: String!) { remoteFolder(clientId: $clientId, path: $path) {
  clientId path truncated entries { name type size modifiedAt } } }`;
const FETCH = `mutation FetchRemoteFile($clientId: Int!, $path: String!) { fetchRemoteFile(clientId: $clientId, path: $path) { id name size sha256 } }`;

type Entry = { name: string; type: string; size: number; modifiedAt: number };

/** The agent's separator: a Windows agent answers with backslashes. */
const join = (folder: string, name: string) => {
  const sep = folder.includes('\\') && !folder.includes('/') ? '\\' : '/';
  return folder.endsWith(sep) ? folder + name : folder + sep + name;
};
const parent = (folder: string) => folder.replace(/[\\/][^\\/]+[\\/]?$/, '') || folder;

/**
 * A folder of an ONLINE client, within its roots (the gateway asks the agent; the empty path is
 * its first root), and a file of it fetched into the store: the mutation answers when the file is
 * there, the live transfers show it arriving.
 */
export function RemoteFolderCard({ onFetched }: { onFetched: () => void }) {
  const [clientId, setClientId] = useState<string | null>(null);
  const [path, setPath] = useState('');
  const [asked, setAsked] = useState<{ clientId: number; path: string } | null>(null);
  const [folder] = useQuery({ query: FOLDER, variables: asked ?? { clientId: 0, path: '' }, pause: !asked, requestPolicy: 'network-only' });
  const [fetched, fetchFile] = useMutation(FETCH);
  const [stored, setStored] = useState<string | null>(null);
  const open = (p: string) => {
    if (!clientId) return;
    setPath(p);
    setAsked({ clientId: Number(clientId), path: p });
  };
  const shown = folder.data?.remoteFolder;
  return (
    <Card withBorder data-remote-folder>
      <Text fw={600}>A client&apos;s folders</Text>
      <Group align="end">
        <ClientPicker label="Client" value={clientId} onChange={(id) => (setClientId(id), setAsked(null))} />
        <TextInput size="xs" label="Folder" placeholder="empty: its first root" value={path} onChange={(e) => setPath(e.currentTarget.value)} />
        <Button size="xs" disabled={!clientId} loading={folder.fetching} onClick={() => open(path)}>
          List folder
        </Button>
      </Group>
      {folder.error && <Alert color="red">{errorText(folder.error)}</Alert>}
      {fetched.error && <Alert color="red">{errorText(fetched.error)}</Alert>}
      {stored && (
        <Text size="sm" c="green" data-fetched={stored}>
          {stored} is in the store.
        </Text>
      )}
      {shown && (
        <Stack gap={4} mt="xs">
          <Group gap="xs">
            <Text size="sm" data-folder-path={shown.path}>
              {shown.path}
            </Text>
            <Button size="compact-xs" variant="default" onClick={() => open(parent(shown.path))}>
              Up
            </Button>
          </Group>
          {shown.truncated && (
            <Text size="xs" c="dimmed">
              The first 1000 entries.
            </Text>
          )}
          <Table>
            <Table.Tbody>
              {(shown.entries as Entry[]).map((e) => (
                <Table.Tr key={e.name} data-entry={e.name}>
                  <Table.Td>{e.type === 'folder' ? <Anchor onClick={() => open(join(shown.path, e.name))}>{e.name}/</Anchor> : e.name}</Table.Td>
                  <Table.Td>{e.type === 'file' ? bytes(e.size) : e.type}</Table.Td>
                  <Table.Td>{new Date(e.modifiedAt).toLocaleString()}</Table.Td>
                  <Table.Td>
                    {e.type === 'file' && (
                      <Button
                        size="compact-xs"
                        variant="light"
                        loading={fetched.fetching}
                        onClick={async () => {
                          setStored(null);
                          const res = await fetchFile({ clientId: shown.clientId, path: join(shown.path, e.name) });
                          if (res.data) {
                            setStored(res.data.fetchRemoteFile.name);
                            onFetched();
                          }
                        }}
                      >
                        Fetch into the store
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Stack>
      )}
    </Card>
  );
}
