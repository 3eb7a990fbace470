import fs from 'node:fs/promises';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { AttributeService } from '../../src/services/attribute.service';
import { useConsoleFleet } from './fleet';
import { HAS_CHROMIUM, shoot, SKIPPED_LINE } from './support';

/*
 * The console's editors in real Chromium against the real gateway and real `sdes agent`
 * processes: a dynamic group built with the query builder, a task script with an IF written in
 * the step editor, a job aimed at the group with a schedule and its preview, its dry run and a
 * run watched live to SUCCESS, and a client's attributes; the API's errors land on their inputs.
 */
const suite = HAS_CHROMIUM ? describe : () => describe('operator console editors (browser)', () => it('needs Chromium', () => console.log(SKIPPED_LINE)));

suite('operator console editors (browser)', () => {
  const f = useConsoleFleet(['a', 'b'], async ({ t }) => {
    await new AttributeService(t.ctx()).create({ attributeName: 'storeNumber', type: 'NUMBER' });
    await new AttributeService(t.ctx()).create({ attributeName: 'serial', readOnly: true, defaultValue: 'factory' });
  });
  let page: Page;
  const step = (p: string): Locator => page.locator(`[data-step="${p}"]`);
  const list = (p: string): Locator => page.locator(`[data-step-list="${p}"]`);
  const gql = async (query: string) => {
    const token = (await page.evaluate(`sessionStorage.getItem('sdes.token')`)) as string;
    const res = await fetch(`${f.gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query }),
    });
    return ((await res.json()) as { data: any }).data;
  };

  beforeAll(async () => {
    page = f.page;
    await f.logIn();
  });

  it('builds a dynamic group with the query builder, previewing the clients it matches as the query is typed', async () => {
    await page.getByRole('link', { name: 'Groups' }).click();
    await page.getByLabel('New group name').fill(`${f.prefix} shops`);
    await page.getByLabel('Kind').selectOption('DYNAMIC');
    await page.getByLabel('Property').selectOption('mqttClientId');
    await page.getByLabel('Operation').selectOption('STARTS_WITH');
    // A value that matches one agent first: the preview follows the typing.
    await page.getByLabel('Value').fill(`${f.prefix}-a`);
    await page.locator('[data-preview-count="1"]').waitFor();
    await page.getByLabel('Value').fill(`${f.prefix}-`);
    await page.locator('[data-preview-count="2"]').waitFor();
    expect(await page.locator('[data-preview-client]').evaluateAll((els) => els.map((e) => e.textContent))).toEqual([
      `${f.prefix}-a ONLINE`,
      `${f.prefix}-b ONLINE`,
    ]);
    await shoot(page, 'groups-query-builder');
    await page.getByRole('button', { name: 'Create group' }).click();
    await page.waitForURL(/\/groups\/\d+$/);
    await page.locator(`[data-member="${f.prefix}-b"]`).waitFor();
    await shoot(page, 'group-dynamic');
  });

  it("previews an attribute query and shows the gateway's refusal of a nameless group on the name input", async () => {
    await page.getByRole('link', { name: 'Groups' }).click();
    await page.getByLabel('Kind').selectOption('DYNAMIC');
    // An attribute no client has a value for (and no default): nobody matches.
    await page.getByLabel('Property').selectOption('storeNumber');
    await page.getByLabel('Operation').selectOption('GT');
    await page.getByLabel('Value').fill('10');
    await page.locator('[data-preview-count="0"]').waitFor();
    await page.getByLabel('New group name').fill('');
    await page.getByRole('button', { name: 'Create group' }).click();
    await page.getByText('name: expected a non-empty string').waitFor();
    expect(await page.getByLabel('New group name').getAttribute('aria-invalid')).toBe('true');
  });

  it('binds and unbinds the members of a static group, found by their MQTT client id', async () => {
    await page.getByRole('link', { name: 'Groups' }).click();
    await page.getByLabel('New group name').fill(`${f.prefix} pair`);
    await page.getByLabel('Kind').selectOption('STATIC');
    await page.getByRole('button', { name: 'Create group' }).click();
    await page.waitForURL(/\/groups\/\d+$/);
    const members = page.locator('[data-bindings="client"]');
    for (const name of ['a', 'b']) {
      await members.getByLabel('Add client').fill(`${f.prefix}-${name}`);
      await page.getByRole('option', { name: `${f.prefix}-${name}` }).click();
      await members.getByRole('button', { name: 'Add' }).click();
      await members.locator(`[data-bound="${f.prefix}-${name}"]`).waitFor();
    }
    await shoot(page, 'group-static');
    await members.getByRole('button', { name: `Remove ${f.prefix}-a` }).click();
    await members.locator(`[data-bound="${f.prefix}-a"]`).waitFor({ state: 'detached' });
    const id = Number(/\/groups\/(\d+)$/.exec(page.url())![1]);
    const { group } = await gql(`{ group(id: ${id}) { type clients { mqttClientId } } }`);
    expect(group).toEqual({ type: 'STATIC', clients: [{ mqttClientId: `${f.prefix}-b` }] });
  });

  it('writes a task script with an IF in the step editor, the refused path shown on its step', async () => {
    await page.getByRole('link', { name: 'Tasks' }).click();
    await page.getByLabel('New task name').fill(`${f.prefix} deploy`);
    await page.getByRole('button', { name: 'Create task' }).click();
    await page.waitForURL(/\/tasks\/\d+$/);
    // [0] EXECUTE_FILE, saved first without its path: the gateway names "[0].filePath".
    await list('script').getByLabel('New step type in script').selectOption('EXECUTE_FILE');
    await list('script').getByRole('button', { name: 'Add step' }).last().click();
    await page.getByRole('button', { name: 'Save script' }).click();
    await step('[0]').getByText('expected a non-empty path').waitFor();
    expect(await step('[0]').getByLabel('File path').getAttribute('aria-invalid')).toBe('true');
    await step('[0]').getByLabel('File path').fill('bin/hello.sh');
    await step('[0]').getByLabel('Longest run (s)').fill('10');
    // [1] IF bin/hello.sh exists: copy it (true) or delete a flag (false).
    await page.getByLabel('New step type in script').last().selectOption('IF');
    await list('script').getByRole('button', { name: 'Add step' }).last().click();
    await step('[1].conditions[0]').getByLabel('File path').fill('bin/hello.sh');
    await list('[1].true').getByLabel('New step type in [1].true').selectOption('COPY_FILE');
    await list('[1].true').getByRole('button', { name: 'Add step' }).click();
    await step('[1].true[0]').getByLabel('File path').fill('bin/hello.sh');
    await step('[1].true[0]').getByLabel('Target path').fill('out/copied.sh');
    await step('[1].true[0]').getByLabel('Create missing folders').check();
    await list('[1].false').getByLabel('New step type in [1].false').selectOption('DELETE_FILE');
    await list('[1].false').getByRole('button', { name: 'Add step' }).click();
    await step('[1].false[0]').getByLabel('File path').fill('flags/missing');
    // [2] a GET_FILE_STATUS moved above the IF: reordering works on the saved order.
    await page.getByLabel('New step type in script').last().selectOption('GET_FILE_STATUS');
    await list('script').getByRole('button', { name: 'Add step' }).last().click();
    await step('[2]').getByLabel('File path').fill('bin/hello.sh');
    await step('[2]').getByRole('button', { name: 'Move up' }).first().click();
    expect(await step('[1]').getAttribute('data-step-type')).toBe('GET_FILE_STATUS');
    await page.getByRole('button', { name: 'Save script' }).click();
    await page.locator('[data-script-saved]').waitFor();
    await shoot(page, 'task-editor');
    const id = Number(/\/tasks\/(\d+)$/.exec(page.url())![1]);
    const { task } = await gql(
      `{ task(id: ${id}) { steps { type filePath whenTrue { type targetFilePath createFilePath } whenFalse { type filePath } conditions { type } } } }`,
    );
    expect(task.steps.map((s: { type: string }) => s.type)).toEqual(['EXECUTE_FILE', 'GET_FILE_STATUS', 'IF']);
    expect(task.steps[2]).toMatchObject({
      conditions: [{ type: 'GET_FILE_STATUS' }],
      whenTrue: [{ type: 'COPY_FILE', targetFilePath: 'out/copied.sh', createFilePath: true }],
      whenFalse: [{ type: 'DELETE_FILE', filePath: 'flags/missing' }],
    });
    await page.getByRole('link', { name: 'Tasks' }).click();
    await page.locator(`[data-task="${f.prefix} deploy"]`).waitFor();
    await shoot(page, 'tasks');
  }, 60_000);

  it('creates a job aimed at the group, previews its schedule, dry-runs it and watches a run reach SUCCESS live', async () => {
    await page.getByRole('link', { name: 'Jobs' }).click();
    await page.getByLabel('New job name').fill(`${f.prefix} nightly`);
    await page.getByRole('button', { name: 'Create job' }).click();
    await page.waitForURL(/\/jobs\/\d+$/);
    await page.getByLabel('Only when asked (no schedule)').uncheck();
    await page.getByLabel('Recurrence').selectOption('DAILY');
    // The gateway's preview refuses the hour on the cron input itself.
    await page.getByLabel('Cron expression').fill('0 25 * * *');
    await page.getByText('hour must be 0-23').waitFor();
    await page.getByLabel('Cron expression').fill('30 2 * * *');
    await page.locator('[data-fire-time]').nth(4).waitFor();
    expect(await page.locator('[data-fire-time]').count()).toBe(5);
    await page.getByRole('button', { name: 'Save job' }).click();
    await page.locator('[data-job-saved]').waitFor();
    await page
      .locator('[data-bindings="task"]')
      .getByLabel('Add task')
      .selectOption({ label: `${f.prefix} deploy` });
    await page.locator('[data-bindings="task"]').getByRole('button', { name: 'Add' }).click();
    await page.locator('[data-bindings="task"]').locator(`[data-bound="${f.prefix} deploy"]`).waitFor();
    await page
      .locator('[data-bindings="group"]')
      .getByLabel('Add group')
      .selectOption({ label: `${f.prefix} shops` });
    await page.locator('[data-bindings="group"]').getByRole('button', { name: 'Add' }).click();
    // The dry run follows the bindings: both agents of the group are online targets.
    await page.locator('[data-dry-run="ONLINE"]', { hasText: `${f.prefix}-b` }).waitFor();
    expect(await page.locator('[data-dry-run="ONLINE"]').textContent()).toContain(`${f.prefix}-a`);
    await shoot(page, 'job-edit');
    const id = Number(/\/jobs\/(\d+)$/.exec(page.url())![1]);
    const { job } = await gql(`{ job(id: ${id}) { cycleType executionTime upcomingRuns } }`);
    expect(job).toMatchObject({ cycleType: 'DAILY', executionTime: '30 2 * * *' });
    expect(await page.locator('[data-fire-time]').evaluateAll((els) => els.map((e) => e.getAttribute('data-fire-time')))).toEqual(job.upcomingRuns);
    await page.evaluate('window.stayed = true');
    await page.getByRole('button', { name: 'Run now' }).click();
    await page.waitForURL(/\/runs\/\d+$/);
    await page.locator('[data-run-status="SUCCESS"]').waitFor({ timeout: 45_000 });
    expect(await page.evaluate('window.stayed')).toBe(true);
    expect(await page.locator('tr[data-report] [data-status="SUCCESS"]').count()).toBe(2);
    // The IF's true branch ran on each agent.
    for (const agent of f.agents) expect((await fs.stat(path.join(agent.root, 'out/copied.sh'))).isFile()).toBe(true);
    await shoot(page, 'run-of-edited-job');
  }, 90_000);

  it("edits a client's writable attributes, refuses a bad value on its input and leaves read-only ones alone", async () => {
    await page.getByRole('link', { name: 'Clients' }).click();
    await page.getByRole('link', { name: `${f.prefix}-a` }).click();
    const attributes = page.locator('[data-attributes]');
    await attributes.getByLabel('storeNumber').fill('not a number');
    await attributes.getByRole('button', { name: 'Save attributes' }).click();
    await attributes.getByText('expected a number (attribute "storeNumber" is NUMBER)').waitFor();
    expect(await attributes.getByLabel('storeNumber').getAttribute('aria-invalid')).toBe('true');
    await attributes.getByLabel('storeNumber').fill('42');
    await attributes.getByRole('button', { name: 'Save attributes' }).click();
    await page.waitForFunction(`document.querySelector('[data-attributes] input[aria-invalid="true"]') === null`);
    expect(await attributes.locator('[data-attribute="serial"]').textContent()).toContain('read-only');
    const id = Number(/\/clients\/(\d+)$/.exec(page.url())![1]);
    await f.t.waitFor('storeNumber saved', async () => {
      const { client } = await gql(`{ client(id: ${id}) { attributes { attributeName value } } }`);
      return client.attributes.find((a: { attributeName: string }) => a.attributeName === 'storeNumber')?.value === '42';
    });
    await shoot(page, 'client-attributes');
  });
});
