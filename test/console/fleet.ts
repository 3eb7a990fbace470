import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Gateway } from '../../src/gateway';
import { statusTopic } from '../../src/protocol';
import { ClientService } from '../../src/services/client.service';
import { TEST_ADMIN } from '../support/auth';
import { clearRetained } from '../live/support/broker';
import { createE2eDatabase, ensureBuilt, gatewayTools, spawnAgent, startE2eGateway, type AgentProcess } from '../e2e/support/fleet';
import { ensureConsoleBuilt, launchChromium } from './support';

/** What a browser suite works with: the gateway, its agents, and one Chromium page. */
export interface ConsoleFleet {
  readonly prefix: string;
  readonly gateway: Gateway;
  readonly page: Page;
  readonly agents: AgentProcess[];
  readonly t: ReturnType<typeof gatewayTools>;
  /** Starts an enabled `sdes agent` named `${prefix}-${name}` with bin/hello.sh in its root, once it is ONLINE. */
  join(name: string): Promise<AgentProcess>;
  clientId(agent: AgentProcess): Promise<number>;
  /** Logs in through the login page as the test admin. */
  logIn(): Promise<void>;
}

/**
 * The built console in real Chromium against the real gateway (a fresh database) and real
 * `sdes agent` processes in temporary folders; `setUp` runs after the agents joined (data the
 * suite needs but does not create through the console). Everything is stopped after the suite.
 */
export function useConsoleFleet(agentNames: string[], setUp: (fleet: ConsoleFleet) => Promise<void> = async () => undefined): ConsoleFleet {
  const prefix = `console-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
  let db: Awaited<ReturnType<typeof createE2eDatabase>>;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  const fleet = { prefix, agents: [] as AgentProcess[] } as unknown as { -readonly [K in keyof ConsoleFleet]: ConsoleFleet[K] };
  fleet.t = gatewayTools(() => fleet.gateway);
  fleet.clientId = async (a) => (await fleet.t.sql<{ id: number }>('select id from client where mqtt_client_id = ?', [a.clientId]))[0].id;
  fleet.join = async (name) => {
    const agent = await spawnAgent(fleet.gateway.brokerUrl, `${prefix}-${name}`, 'STORE', base);
    fleet.agents.push(agent);
    await fleet.t.waitFor(`${agent.clientId} ONLINE`, async () => (await fleet.t.statusOf(agent.clientId)) === 'ONLINE', 30_000);
    await new ClientService(fleet.t.ctx()).setEnabled(await fleet.clientId(agent), true);
    await fs.mkdir(path.join(agent.root, 'bin'), { recursive: true });
    await fs.writeFile(path.join(agent.root, 'bin/hello.sh'), '#!/bin/sh\necho "hello from the console test"\n', { mode: 0o755 });
    return agent;
  };
  fleet.logIn = async () => {
    await fleet.page.goto(fleet.gateway.url);
    await fleet.page.getByLabel('Password').fill(TEST_ADMIN.password);
    await fleet.page.getByRole('button', { name: 'Log in' }).click();
    await fleet.page.getByRole('heading', { name: 'Overview' }).waitFor();
  };

  beforeAll(async () => {
    ensureBuilt();
    ensureConsoleBuilt();
    base = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'sdes-console-')));
    db = await createE2eDatabase();
    fleet.gateway = await startE2eGateway({ ...db, mqttUrl: process.env.MQTT_URL });
    for (const name of agentNames) await fleet.join(name);
    await setUp(fleet);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    fleet.page = await context.newPage();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all(fleet.agents.map((a) => a.kill()));
    await fleet.gateway?.stop();
    if (process.env.MQTT_URL)
      await clearRetained(
        process.env.MQTT_URL,
        fleet.agents.map((a) => statusTopic(a.clientId)),
      ).catch(() => undefined);
    await db?.drop();
    await fs.rm(base, { recursive: true, force: true });
  });
  return fleet;
}
