import { AppShell, Button, Group, Loader, NavLink, Text, Title } from '@mantine/core';
import { lazy, Suspense, useCallback, useMemo, useState, type ComponentType } from 'react';
import { Provider, useQuery } from 'urql';
import { createApi, logout } from './api';
import { LoginPage } from './pages/login';
import { ClientPage } from './pages/client';
import { ClientsPage } from './pages/clients';
import { JobsPage } from './pages/jobs';
import { OverviewPage } from './pages/overview';
import { RunPage } from './pages/run';
import { RunsPage } from './pages/runs';
import { SettingsPage } from './pages/settings';
import { match, navigate, usePath } from './router';

/** The editors load on first use: the overview (the first page opened) does not wait for them. */
function lazyPage<P extends object>(load: () => Promise<ComponentType<P>>) {
  return lazy(async () => ({ default: await load() }));
}
const TasksPage = lazyPage(() => import('./pages/tasks').then((m) => m.TasksPage));
const TaskPage = lazyPage(() => import('./pages/task').then((m) => m.TaskPage));
const JobPage = lazyPage(() => import('./pages/job').then((m) => m.JobPage));
const GroupsPage = lazyPage(() => import('./pages/groups').then((m) => m.GroupsPage));
const GroupPage = lazyPage(() => import('./pages/group').then((m) => m.GroupPage));
const FilesPage = lazyPage(() => import('./pages/files').then((m) => m.FilesPage));
const AccountsPage = lazyPage(() => import('./pages/accounts').then((m) => m.AccountsPage));
const ApiKeysPage = lazyPage(() => import('./pages/api-keys').then((m) => m.ApiKeysPage));
const AuditPage = lazyPage(() => import('./pages/audit').then((m) => m.AuditPage));
import { forgetToken, readToken, saveToken } from './session';

const SECTIONS = [
  { path: '/', label: 'Overview' },
  { path: '/clients', label: 'Clients' },
  { path: '/groups', label: 'Groups' },
  { path: '/tasks', label: 'Tasks' },
  { path: '/jobs', label: 'Jobs' },
  { path: '/runs', label: 'Runs' },
  { path: '/files', label: 'Files' },
  { path: '/settings', label: 'Settings' },
];
/** Shown to admins only: the gateway refuses these queries to anyone else (docs/security.md). */
const ADMIN_SECTIONS = [
  { path: '/accounts', label: 'Accounts' },
  { path: '/api-keys', label: 'API keys' },
  { path: '/audit', label: 'Audit log' },
];
const ME = `query Me { me { name kind role } }`;

export function App() {
  const [token, setToken] = useState(readToken);
  const [notice, setNotice] = useState<string | null>(null);
  const signOut = useCallback(() => {
    forgetToken();
    setToken(null);
  }, []);
  const sessionEnded = useCallback(() => {
    setNotice('Your session ended (logged out elsewhere or idle too long): log in again.');
    signOut();
  }, [signOut]);
  if (!token) {
    return (
      <LoginPage
        notice={notice}
        onLogin={(t) => {
          saveToken(t);
          setNotice(null);
          setToken(t);
        }}
      />
    );
  }
  return <Console key={token} token={token} onSignOut={signOut} onSessionEnded={sessionEnded} />;
}

function Console({ token, onSignOut, onSessionEnded }: { token: string; onSignOut: () => void; onSessionEnded: () => void }) {
  const api = useMemo(() => createApi(token, onSessionEnded), [token, onSessionEnded]);
  const path = usePath();
  return (
    <Provider value={api.client}>
      <Shell
        path={path}
        onLogOut={async () => {
          api.dispose();
          await logout(token);
          onSignOut();
        }}
      />
    </Provider>
  );
}

function Shell({ path, onLogOut }: { path: string; onLogOut: () => Promise<void> }) {
  const [me] = useQuery({ query: ME });
  const admin = me.data?.me.role === 'ADMIN';
  const sections = admin ? [...SECTIONS, ...ADMIN_SECTIONS] : SECTIONS;
  const section = sections.filter((s) => (s.path === '/' ? path === '/' : path.startsWith(s.path))).pop();
  return (
    <AppShell header={{ height: 52 }} navbar={{ width: 180, breakpoint: 0 }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Title order={4}>SDES console</Title>
          <Group>
            <Text size="sm" c="dimmed">
              {section?.label}
            </Text>
            {me.data && (
              <Text size="sm" data-me-role={me.data.me.role}>
                {me.data.me.name} ({me.data.me.role.toLowerCase()})
              </Text>
            )}
            <Button variant="subtle" size="xs" onClick={() => void onLogOut()}>
              Log out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs">
        {sections.map((s) => (
          <NavLink
            key={s.path}
            href={s.path}
            label={s.label}
            active={section?.path === s.path}
            onClick={(e) => {
              e.preventDefault();
              navigate(s.path);
            }}
          />
        ))}
      </AppShell.Navbar>
      <AppShell.Main>
        <Suspense fallback={<Loader size="sm" />}>
          <Page path={path} admin={admin} roleKnown={Boolean(me.data)} />
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}

function Page({ path, admin, roleKnown }: { path: string; admin: boolean; roleKnown: boolean }) {
  let params: Record<string, string> | null;
  if (ADMIN_SECTIONS.some((s) => s.path === path) && !admin)
    return roleKnown ? <Text data-refused>This page is for admins: your role cannot see accounts, API keys or the audit log.</Text> : <Loader size="sm" />;
  if (match('/accounts', path)) return <AccountsPage />;
  if (match('/api-keys', path)) return <ApiKeysPage />;
  if (match('/audit', path)) return <AuditPage />;
  if (match('/files', path)) return <FilesPage />;
  if (path === '/' || path === '') return <OverviewPage />;
  if (match('/clients', path)) return <ClientsPage />;
  if ((params = match('/clients/:id', path))) return <ClientPage id={Number(params.id)} />;
  if (match('/jobs', path)) return <JobsPage />;
  if ((params = match('/jobs/:id', path))) return <JobPage id={Number(params.id)} />;
  if (match('/tasks', path)) return <TasksPage />;
  if ((params = match('/tasks/:id', path))) return <TaskPage id={Number(params.id)} />;
  if (match('/groups', path)) return <GroupsPage />;
  if ((params = match('/groups/:id', path))) return <GroupPage id={Number(params.id)} />;
  if (match('/runs', path)) return <RunsPage />;
  if (match('/settings', path)) return <SettingsPage />;
  if ((params = match('/runs/:id', path))) return <RunPage id={Number(params.id)} />;
  return <Text>No page here: {path}</Text>;
}
