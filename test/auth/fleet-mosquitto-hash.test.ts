import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mosquittoHash, verifyMosquittoHash } from '../../src/auth/mosquitto-hash';
import { MOSQUITTO_ACL, mosquittoPasswordFile } from '../../src/fleet/mosquitto-files';

describe("Mosquitto's password file format", () => {
  it('writes $7$ PBKDF2-SHA512 hashes (101 iterations, 12-byte salt, 64-byte hash)', async () => {
    const hash = await mosquittoHash('s3cret-value');
    expect(hash).toMatch(/^\$7\$101\$[A-Za-z0-9+/]{16}\$[A-Za-z0-9+/]{86}==$/);
    expect(await verifyMosquittoHash(hash, 's3cret-value')).toBe(true);
    expect(await verifyMosquittoHash(hash, 'another')).toBe(false);
  });

  it('reads what mosquitto_passwd writes, so both agree on the format', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sdes-passwd-'));
    try {
      const file = path.join(dir, 'passwd');
      const made = spawnSync('mosquitto_passwd', ['-c', '-b', file, 'alice', 'her-password']);
      expect(made.status).toBe(0);
      const [user, hash] = fs.readFileSync(file, 'utf8').trim().split(':');
      expect(user).toBe('alice');
      expect(await verifyMosquittoHash(hash, 'her-password')).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lists the gateway, the enrolment identity and every agent not revoked', async () => {
    const row = (id: string, revoked: boolean) => ({
      mqttClientId: id,
      secretHash: '',
      mosquittoHash: `$7$101$x$${id}`,
      eventKey: Buffer.alloc(0),
      revoked,
      updatedAt: new Date(),
    });
    const text = await mosquittoPasswordFile({ gatewaySecret: 'g', enrolmentToken: 't', agents: [row('b-store', false), row('a-gone', true)] });
    expect(text.split('\n').map((l) => l.split(':')[0])).toEqual(['sdes-gateway', 'sdes-enrol', 'b-store', '']);
    expect(MOSQUITTO_ACL).toMatch(/pattern read sdes\/v1\/agents\/%c\/transfer-down/);
  });
});
