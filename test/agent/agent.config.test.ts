import path from 'node:path';
import { AgentConfigError, resolveAgentConfig } from '../../src/agent/agent.config';

const noFile = () => {
  throw new Error('ENOENT');
};

describe('resolveAgentConfig', () => {
  it('reads flags first, then environment, then the config file', () => {
    const file = JSON.stringify({ brokerUrl: 'mqtt://file:1883', clientId: 'from-file', role: 'SERVER', roots: ['data'], stateDir: 'state' });
    const config = resolveAgentConfig({ clientId: 'from-flag', config: '/etc/sdes/agent.json' }, { SDES_ROLE: 'store' }, () => file);
    expect(config).toMatchObject({
      brokerUrl: 'mqtt://file:1883',
      clientId: 'from-flag',
      role: 'STORE',
      roots: ['/etc/sdes/data'],
      stateDir: '/etc/sdes/state',
      logLevel: 'info',
    });
  });

  it('takes SDES_ROOTS as a comma-separated list', () => {
    const config = resolveAgentConfig({}, { SDES_CLIENT_ID: 'c', SDES_ROLE: 'SERVER', SDES_ROOTS: '/a, /b' }, noFile);
    expect(config.roots).toEqual(['/a', '/b']);
    expect(config.brokerUrl).toBe('mqtt://localhost:1883');
    expect(config.stateDir).toMatch(new RegExp(`${path.sep}c$`));
  });

  it.each([
    [{}, {}, /client id is required: --client-id/],
    [{ clientId: 'a/b' }, {}, /must be 1-128 characters without/],
    [{ clientId: 'c' }, {}, /role is required: --role STORE\|SERVER/],
    [{ clientId: 'c', role: 'KIOSK' }, {}, /role "KIOSK" is not one of SERVER, STORE/],
    [{ clientId: 'c', role: 'STORE' }, {}, /at least one root folder is required/],
    [{ config: 'missing.json' }, {}, /cannot read config file missing\.json/],
  ])('explains what is missing or wrong (%j)', (flags, env, message) => {
    expect(() => resolveAgentConfig(flags, env, noFile)).toThrow(AgentConfigError);
    expect(() => resolveAgentConfig(flags, env, noFile)).toThrow(message);
  });

  it('refuses unknown keys in the config file', () => {
    expect(() => resolveAgentConfig({ config: 'c.json' }, {}, () => '{"broker":"x"}')).toThrow(/config file c\.json: .*broker/);
  });
});
