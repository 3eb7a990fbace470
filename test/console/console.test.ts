import type { Page } from 'playwright-core';
import type { Gateway } from '../../src/gateway';
import { BindingService } from '../../src/services/binding.service';
import { GroupService } from '../../src/services/group.service';
import { JobService } from '../../src/services/job.service';
import { TaskService } from '../../src/services/task.service';
import { TEST_ADMIN } from '../support/auth';
import { useConsoleFleet } from './fleet';
import { figure, HAS_CHROMIUM, shoot, SKIPPED_LINE } from './support';

/*
 * The built console in real Chromium against the real gateway and real `sdes agent` processes:
 * log in, watch the overview follow an agent connecting, search clients, dry-run a job, run it
 * and watch its run view reach SUCCESS live, without reloading the page.
 */
const suite = HAS_CHROMIUM ? describe : () => describe('operator console (browser)', () => it('needs Chromium', () => console.log(SKIPPED_LINE)));

suite('operator console (browser)', () => {
  const f = useConsoleFleet(['a', 'b'], async ({ prefix, t, agents, clientId }) => {
    const ctx = t.ctx();
    const task = await new TaskService(ctx).create({ name: `${prefix} hello` });
    await new TaskService(ctx).saveScript(task.id, [
      { type: 'EXECUTE_FILE', filePath: 'bin/hello.sh', duration: 10 },
      {
        type: 'IF',
        conditions: [{ type: 'GET_FILE_STATUS', filePath: 'bin/hello.sh' }],
        true: [{ type: 'GET_FILE_STATUS', filePath: 'bin/hello.sh' }],
        falseSteps: [],
      },
    ]);
    const jobId = (await new JobService(ctx).create({ name: `${prefix} job`, cycleType: 1, executionTime: '0 3 * * *' })).id;
    await new BindingService(ctx).bindJobTasks(jobId, [task.id]);
    // Aimed at a group of the two agents, as an operator aims a job at a fleet.
    const group = await new GroupService(ctx).create({ groupName: `${prefix} shops` });
    await new GroupService(ctx).bindClients(group.id, await Promise.all(agents.map(clientId)));
    await new BindingService(ctx).bindJobGroups(jobId, [group.id]);
  });
  const { prefix } = f;
  let gateway: Gateway;
  let page: Page;
  const join = (name: string) => f.join(name);
  beforeAll(() => {
    gateway = f.gateway;
    page = f.page;
  });

  it('refuses a wrong password, logs in, and keeps the session only in sessionStorage', async () => {
    await page.goto(gateway.url);
    await page.getByLabel('Password').waitFor();
    await shoot(page, 'login');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').waitFor();
    await page.getByLabel('Password').fill(TEST_ADMIN.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    const stored = (await page.evaluate(`({ session: sessionStorage.getItem('sdes.token'), local: localStorage.length, cookie: document.cookie })`)) as Record<
      string,
      unknown
    >;
    expect(stored.session).toMatch(/\S{20,}/);
    expect(stored).toMatchObject({ local: 0, cookie: '' });
  });

  it('paints the overview and follows an agent connecting, live', async () => {
    // A fresh load with the session in place: the figure is time to the first meaningful paint.
    await page.goto(gateway.url);
    // Polled each frame inside the page: the frame after the figures are in it is the one that painted them.
    const FIGURES_PAINTED = `new Promise((resolve) => {
      const check = () => /\\d/.test(document.querySelector('[data-figure="Online"]')?.textContent ?? '')
        ? requestAnimationFrame(() => resolve(performance.now()))
        : requestAnimationFrame(check);
      check();
    })`;
    const paintMs = (await page.evaluate(FIGURES_PAINTED)) as number;
    const fcp = (await page.evaluate(`performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null`)) as number | null;
    console.log(
      `console overview: first meaningful paint (dashboard figures painted) ${paintMs.toFixed(0)} ms after navigation; first contentful paint ${fcp?.toFixed(0)} ms`,
    );
    const before = await figure(page, 'Online');
    expect(before).toBeGreaterThanOrEqual(2);
    await page.evaluate('window.stayed = true');
    await join('c');
    const online = `Number(document.querySelector('[data-figure="Online"]')?.textContent?.replace(/\\D/g, ''))`;
    await page.waitForFunction(`${online} > ${before}`, undefined, { timeout: 20_000 });
    expect(await page.evaluate('window.stayed')).toBe(true);
    expect(await page.locator('[data-calendar-day]').count()).toBe(7);
    await shoot(page, 'overview');
  });

  it('searches the clients table and shows their live status', async () => {
    await page.getByRole('link', { name: 'Clients' }).click();
    await page.getByLabel('Search clients').fill(`${prefix}-b`);
    await page.locator(`[data-client="${prefix}-a"]`).waitFor({ state: 'detached' });
    await page.locator(`[data-client="${prefix}-b"] [data-status="ONLINE"]`).waitFor();
    await page.getByLabel('Search clients').fill(prefix);
    await page.locator('tr[data-client]').nth(2).waitFor();
    expect(await page.locator('tr[data-client]').count()).toBe(3);
    await shoot(page, 'clients');
  });

  it('dry-runs the job, then runs it and watches the run view reach SUCCESS without a reload', async () => {
    await page.getByRole('link', { name: 'Jobs' }).click();
    await page.locator(`[data-job="${prefix} job"]`).waitFor();
    await shoot(page, 'jobs');
    await page.getByRole('link', { name: `${prefix} job` }).click();
    const online = page.locator('[data-dry-run="ONLINE"]');
    await online.waitFor();
    // The job's group holds two agents; the third connected but is not a target.
    expect(await online.textContent()).toContain(`${prefix}-a`);
    expect(await online.textContent()).not.toContain(`${prefix}-c`);
    await page.getByText('Next fire times').waitFor();
    await shoot(page, 'job-dry-run');
    await page.evaluate('window.stayed = true');
    await page.getByRole('button', { name: 'Run now' }).click();
    await page.waitForURL(/\/runs\/\d+$/);
    await page.locator('[data-run-status="SUCCESS"]').waitFor({ timeout: 45_000 });
    expect(await page.evaluate('window.stayed')).toBe(true);
    const rows = page.locator('tr[data-report]');
    expect(await rows.count()).toBe(2);
    for (let i = 0; i < 2; i++) expect(await rows.nth(i).locator('[data-status]').getAttribute('data-status')).toBe('SUCCESS');
    await shoot(page, 'run');
    // Drill down: one client's tasks, steps and the script's output.
    await rows.first().click();
    await page.getByText('hello from the console test').waitFor();
    expect(await page.locator('[data-report-detail] [data-status="SUCCESS"]').count()).toBeGreaterThanOrEqual(3);
    await shoot(page, 'run-detail');
  }, 90_000);

  it("lists the run, shows a client's page with its groups, jobs and that run, and logs out", async () => {
    await page.getByRole('link', { name: 'Runs' }).click();
    await page.locator('[data-status="SUCCESS"]').first().waitFor();
    await shoot(page, 'runs');
    await page.getByRole('link', { name: 'Clients' }).click();
    await page.getByRole('link', { name: `${prefix}-a` }).click();
    await page.getByText('Recent runs').waitFor();
    await page.getByText(`${prefix} shops`).waitFor();
    await page.getByRole('link', { name: `${prefix} job` }).waitFor();
    await page.locator('[data-status="SUCCESS"]').first().waitFor();
    await shoot(page, 'client');
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.locator('[data-settings="general"]').getByText('managementServerTimeZone').waitFor();
    await shoot(page, 'settings');
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByLabel('Password').waitFor();
    expect(await page.evaluate(`sessionStorage.getItem('sdes.token')`)).toBeNull();
  });

  it('goes back to the login page by itself when the session ends elsewhere', async () => {
    await page.getByLabel('Password').fill(TEST_ADMIN.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    // Logging out left the page on /settings; the overview holds live subscriptions open.
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.waitForFunction(`/\\d/.test(document.querySelector('[data-figure="Online"]')?.textContent ?? '')`);
    const token = (await page.evaluate(`sessionStorage.getItem('sdes.token')`)) as string;
    const res = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: 'mutation { logout }' }),
    });
    expect(((await res.json()) as any).data).toEqual({ logout: true });
    // The gateway closes the overview's WebSocket 4401 on its next credential sweep (every 5 s).
    await page.getByText('Your session ended').waitFor({ timeout: 20_000 });
    expect(await page.evaluate(`sessionStorage.getItem('sdes.token')`)).toBeNull();
  });
});
