import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { useConsoleFleet } from './fleet';
import { HAS_CHROMIUM, shoot, SKIPPED_LINE } from './support';

/*
 * The console's admin side in real Chromium against the real gateway and a real `sdes agent`:
 * accounts and API keys created and found again in the audit log, a setting refused on its input
 * then saved, and the file store listing a file fetched from the agent through the API and
 * downloading the same bytes.
 */
const suite = HAS_CHROMIUM ? describe : () => describe('operator console admin pages (browser)', () => it('needs Chromium', () => console.log(SKIPPED_LINE)));

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

suite('operator console admin pages (browser)', () => {
  const f = useConsoleFleet(['a']);
  let page: Page;
  const gql = async (query: string, variables: Record<string, unknown> = {}, authorization?: string) => {
    const token = (await page.evaluate(`sessionStorage.getItem('sdes.token')`)) as string;
    const res = await fetch(`${f.gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: authorization ?? `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as { data: any; errors?: { message: string }[] };
  };
  const open = async (label: string) => {
    await page.getByRole('link', { name: label, exact: true }).click();
    await page.getByRole('heading', { name: label }).waitFor();
  };

  beforeAll(async () => {
    page = f.page;
    await f.logIn();
  });

  it('creates an operator account and an API key, shows the secret once, and finds both in the audit log', async () => {
    const username = `${f.prefix}-op`;
    await open('Accounts');
    await page.getByLabel('New username').fill(username);
    await page.getByLabel('Password', { exact: true }).fill('operator-password-1');
    await page.getByLabel('Role', { exact: true }).selectOption('OPERATOR');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.locator(`[data-account="${username}"]`).waitFor();
    expect(await page.getByLabel(`Role of ${username}`).inputValue()).toBe('OPERATOR');
    await shoot(page, 'accounts');

    await open('API keys');
    await page.getByLabel('Key name').fill(`${f.prefix}-ci`);
    await page.getByRole('button', { name: 'Create key' }).click();
    const credential = (await page.locator('[data-secret]').textContent())!;
    await page.locator(`[data-api-key="${f.prefix}-ci"]`).waitFor();
    await shoot(page, 'api-keys');
    // The secret shown works as a credential, and the page does not show it again.
    expect((await gql('{ me { name kind role } }', {}, `Bearer ${credential}`)).data.me).toEqual({ name: `${f.prefix}-ci`, kind: 'apikey', role: 'OPERATOR' });
    await open('Accounts');
    await open('API keys');
    await page.locator(`[data-api-key="${f.prefix}-ci"]`).waitFor();
    expect(await page.locator('[data-secret]').count()).toBe(0);

    await open('Audit log');
    await page.getByLabel('Actor').fill('admin');
    await page.getByLabel('Action').fill('createUser');
    await page.locator('[data-audit-action="createUser"][data-audit-actor="admin"]').waitFor();
    expect(await page.locator('[data-audit-action="createUser"]').first().textContent()).toContain(username);
    await page.getByLabel('Action').fill('createApiKey');
    await page.locator('[data-audit-action="createApiKey"][data-audit-actor="admin"]').waitFor();
    expect(await page.locator('[data-audit-action="createApiKey"]').first().textContent()).toContain(`${f.prefix}-ci`);
    expect(await page.content()).not.toContain(credential.split(':')[1]);
    await shoot(page, 'audit');
  });

  it('hides the admin pages from an operator and refuses them when opened by address', async () => {
    const other = await page.context().newPage();
    try {
      await other.goto(f.gateway.url);
      await other.getByLabel('Username').fill(`${f.prefix}-op`);
      await other.getByLabel('Password').fill('operator-password-1');
      await other.getByRole('button', { name: 'Log in' }).click();
      await other.locator('[data-me-role="OPERATOR"]').waitFor();
      expect(await other.getByRole('link', { name: 'Accounts', exact: true }).count()).toBe(0);
      expect(await other.getByRole('link', { name: 'Files', exact: true }).count()).toBe(1);
      await other.goto(`${f.gateway.url}/audit`);
      await other.locator('[data-refused]').waitFor();
    } finally {
      await other.close();
    }
  });

  it("bans and unbans the operator and resets its password, each taking effect on the gateway's login", async () => {
    const username = `${f.prefix}-op`;
    const logIn = async (password: string) =>
      (await gql('mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { token } }', { u: username, p: password }, '')).errors?.[0]
        ?.message ?? 'ok';
    await open('Accounts');
    const row = page.locator(`[data-account="${username}"]`);
    await row.getByRole('button', { name: 'Ban' }).click();
    await row.getByText('banned').waitFor();
    expect(await logIn('operator-password-1')).not.toBe('ok');
    await row.getByRole('button', { name: 'Unban' }).click();
    await row.getByText('active').waitFor();
    expect(await logIn('operator-password-1')).toBe('ok');
    await row.getByLabel(`New password of ${username}`).fill('short');
    await row.getByRole('button', { name: 'Reset' }).click();
    await row.getByText('password: expected').waitFor();
    await row.getByLabel(`New password of ${username}`).fill('operator-password-2');
    await row.getByRole('button', { name: 'Reset' }).click();
    // The input empties once the gateway took the new password.
    await f.t.waitFor('the password saved', async () => (await row.getByLabel(`New password of ${username}`).inputValue()) === '', 10_000);
    expect(await logIn('operator-password-1')).not.toBe('ok');
    expect(await logIn('operator-password-2')).toBe('ok');
  });

  it('revokes an API key, which the gateway then refuses', async () => {
    await open('API keys');
    await page.getByLabel('Key name').fill(`${f.prefix}-old`);
    await page.getByRole('button', { name: 'Create key' }).click();
    const credential = (await page.locator('[data-secret]').textContent())!;
    const row = page.locator(`[data-api-key="${f.prefix}-old"]`);
    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.getByText('revoked').waitFor();
    expect((await gql('{ me { name } }', {}, `Bearer ${credential}`)).errors?.length).toBeGreaterThan(0);
  });

  it('shows a refused setting on its input, then saves a good value and reads it back', async () => {
    await open('Settings');
    const general = page.locator('[data-settings="general"]');
    await general.getByLabel('adminTimeOut').fill('0');
    await general.getByRole('button', { name: 'Save general' }).click();
    await general.getByText('adminTimeOut: expected').waitFor();
    expect(await general.getByLabel('adminTimeOut').getAttribute('aria-invalid')).toBe('true');
    await shoot(page, 'settings-error');
    await general.getByLabel('adminTimeOut').fill('45');
    await general.getByRole('button', { name: 'Save general' }).click();
    await general.locator('[data-saved="general"]').waitFor();
    expect((await gql('{ settings { general { adminTimeOut } } }')).data.settings.general.adminTimeOut).toBe(45);
    await page.reload();
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    expect(await page.locator('[data-settings="general"]').getByLabel('adminTimeOut').inputValue()).toBe('45');
    await shoot(page, 'settings-edit');
  });

  it('lists a file fetched from the agent through the API and downloads the same bytes', async () => {
    const [agent] = f.agents;
    const content = `store,day,total\n${f.prefix},2026-12-03,42\n`.repeat(200);
    await fs.writeFile(path.join(agent.root, 'day.csv'), content);
    const clientId = await f.clientId(agent);
    const fetched = await gql('mutation ($c: Int!) { fetchRemoteFile(clientId: $c, path: "day.csv") { id sha256 } }', { c: clientId });
    expect(fetched.errors).toBeUndefined();
    expect(fetched.data.fetchRemoteFile.sha256).toBe(sha256(content));

    await open('Files');
    const row = page.locator('[data-file="day.csv"]');
    await row.waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), row.getByRole('button', { name: 'Download' }).click()]);
    expect(download.suggestedFilename()).toBe('day.csv');
    expect(sha256(await fs.readFile((await download.path())!))).toBe(sha256(content));
    await shoot(page, 'files');
  });

  it('deletes a stored file from the list', async () => {
    await open('Files');
    await page.locator('[data-file="day.csv"]').getByRole('button', { name: 'Delete' }).click();
    await page.locator('[data-file="day.csv"]').waitFor({ state: 'detached' });
    expect((await gql('{ storedFiles(filter: { name: "day.csv" }) { totalCount } }')).data.storedFiles.totalCount).toBe(0);
  });

  it("browses the agent's folder and fetches a file into the store, its transfer shown live", async () => {
    await open('Files');
    const card = page.locator('[data-remote-folder]');
    await card.getByLabel('Client').fill(`${f.prefix}-a`);
    await page.getByRole('option', { name: `${f.prefix}-a` }).click();
    await card.getByRole('button', { name: 'List folder' }).click();
    await card.locator('[data-entry="bin"]').getByText('bin/').click();
    await card.locator('[data-entry="hello.sh"]').getByRole('button', { name: 'Fetch into the store' }).click();
    await card.locator('[data-fetched="hello.sh"]').waitFor();
    await page.locator('[data-file="hello.sh"]').waitFor();
    await page.locator('[data-transfer="hello.sh"][data-transfer-done="true"]').waitFor();
    await shoot(page, 'remote-folder');
  });
});
