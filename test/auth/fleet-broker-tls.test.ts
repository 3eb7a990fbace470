import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { loadConfig } from '../../src/config';
import { startEmbeddedBroker } from '../../src/runtime/embedded-broker';
import { silentLogger } from '../../src/runtime/logger';

describe('the embedded broker listens', () => {
  it('on 127.0.0.1 unless MQTT_HOST says otherwise', () => {
    expect(loadConfig({}).mqttHost).toBe('127.0.0.1');
    expect(loadConfig({ MQTT_HOST: '0.0.0.0' }).mqttHost).toBe('0.0.0.0');
  });

  it('refuses MQTT_TLS_CERT without MQTT_TLS_KEY, naming the missing one', () => {
    expect(() => loadConfig({ MQTT_TLS_CERT: '/x/cert.pem' })).toThrow(/MQTT_TLS_KEY is missing/);
  });

  it('speaks TLS (mqtts://) with MQTT_TLS_CERT and MQTT_TLS_KEY', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sdes-tls-'));
    const [certFile, keyFile] = [path.join(dir, 'cert.pem'), path.join(dir, 'key.pem')];
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        keyFile,
        '-out',
        certFile,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      {
        stdio: 'ignore',
      },
    );
    const broker = await startEmbeddedBroker({ port: 0, logger: silentLogger(), tls: { certFile, keyFile } });
    try {
      expect(broker.url).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
      const client = await mqtt.connectAsync(broker.url, { clientId: 'tls-test', protocolVersion: 4, reconnectPeriod: 0, ca: fs.readFileSync(certFile) });
      await client.subscribeAsync('t/x', { qos: 1 });
      const got = new Promise<string>((resolve) => client.once('message', (_t, p) => resolve(p.toString())));
      await client.publishAsync('t/x', 'over tls', { qos: 1 });
      expect(await got).toBe('over tls');
      await client.endAsync();
    } finally {
      await broker.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
