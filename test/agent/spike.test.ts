import mqtt from 'mqtt';
import { startTestBroker } from './support/test-broker';
it('spike', async () => {
  const b = await startTestBroker();
  const c = await mqtt.connectAsync(b.url, { protocolVersion: 4 });
  await c.subscribeAsync('a');
  const got = new Promise((r) => c.on('message', (_t, p) => r(p.toString())));
  await c.publishAsync('a', 'hi', { qos: 1 });
  expect(await got).toBe('hi');
  await c.endAsync();
  await b.stop();
});
