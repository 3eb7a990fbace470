import { Command } from 'commander';
import { registerAgentCommand } from '../../src/agent/agent.command';

function program() {
  let output = '';
  const root = new Command('sdes').exitOverride().configureOutput({ writeOut: (s) => (output += s), writeErr: (s) => (output += s) });
  const agent = registerAgentCommand(root);
  agent.exitOverride().configureOutput({ writeOut: (s) => (output += s), writeErr: (s) => (output += s) });
  return { root, output: () => output };
}

describe('sdes agent', () => {
  it('describes every option in --help', async () => {
    const { root, output } = program();
    await expect(root.parseAsync(['node', 'sdes', 'agent', '--help'])).rejects.toMatchObject({ code: 'commander.helpDisplayed' });
    for (const option of ['--broker <url>', '--client-id <id>', '--role <role>', '--root <dir>', '--state-dir <dir>', '--config <file>', 'SDES_ROOTS']) {
      expect(output()).toContain(option);
    }
  });

  it('exits with code 2 and a hint when the configuration is incomplete', async () => {
    const { root, output } = program();
    const saved = { ...process.env };
    for (const key of Object.keys(process.env)) if (key.startsWith('SDES_')) delete process.env[key];
    try {
      await expect(root.parseAsync(['node', 'sdes', 'agent', '--client-id', 'c', '--root', '/tmp'])).rejects.toMatchObject({ exitCode: 2 });
    } finally {
      process.env = saved;
    }
    expect(output()).toMatch(/role is required: --role STORE\|SERVER/);
  });
});
