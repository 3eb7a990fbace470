import path from 'node:path';
import pino, { type Logger } from 'pino';
import { createAgent, type Agent, type AgentOptions } from '../../../src/agent/agent';
import { TEST_LIMITS, tempDir } from './run-script';

export interface TestAgent {
  agent: Agent;
  clientId: string;
  root: string;
  stateDir: string;
  /** Log lines (JSON) the agent wrote. */
  logs: Array<{ level: number; msg: string; [key: string]: unknown }>;
}

let counter = 0;

/** An agent in temporary folders with fast timers: resend after 200 ms, reconnect every 100 ms. */
export async function startTestAgent(brokerUrl: string, overrides: Partial<AgentOptions> & { root?: string; stateDir?: string } = {}): Promise<TestAgent> {
  const root = overrides.root ?? (await tempDir('sdes-root-'));
  const stateDir = overrides.stateDir ?? path.join(await tempDir('sdes-state-'), 'state');
  const clientId = overrides.clientId ?? `store-${process.pid}-${++counter}`;
  const logs: TestAgent['logs'] = [];
  const logger: Logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  const agent = createAgent({
    brokerUrl,
    clientId,
    role: 'STORE',
    roots: [root],
    stateDir,
    logger,
    limits: TEST_LIMITS,
    resendIntervalMs: 200,
    reconnectPeriodMs: 100,
    ...overrides,
  });
  await agent.start();
  return { agent, clientId, root, stateDir, logs };
}
