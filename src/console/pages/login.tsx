import { Alert, Button, Center, Paper, PasswordInput, Stack, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { login } from '../api';

export function LoginPage({ onLogin, notice }: { onLogin: (token: string) => void; notice?: string | null }) {
  const [username, setUsername] = useState('admin');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onLogin(await login(username, password));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Center h="100vh">
      <Paper withBorder p="xl" w={360} component="form" onSubmit={submit}>
        <Stack>
          <Title order={3}>SDES console</Title>
          <TextInput label="Username" name="username" value={username} onChange={(e) => setUsername(e.currentTarget.value)} required />
          <PasswordInput label="Password" name="password" value={password} onChange={(e) => setPassword(e.currentTarget.value)} required />
          {notice && !error && <Alert color="yellow">{notice}</Alert>}
          {error && <Alert color="red">{error}</Alert>}
          <Button type="submit" loading={busy}>
            Log in
          </Button>
        </Stack>
      </Paper>
    </Center>
  );
}
