import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from './logger';
import { StartupError } from './startup-error';

/**
 * The gateway's own MQTT client. The first connection must succeed within `timeoutMs`
 * so that a wrong MQTT_URL ends the start; later losses are reconnected by mqtt.js.
 */
export async function connectMqtt({
  url,
  clientId,
  logger,
  timeoutMs = 8000,
  fromEnv,
  will,
  username,
  password,
  rejectUnauthorized,
}: {
  url: string;
  clientId: string;
  logger: Logger;
  /** Published by the broker when this connection is lost without a clean goodbye. */
  will?: { topic: string; payload: Buffer; qos: 0 | 1; retain: boolean };
  timeoutMs?: number;
  /** true when the URL came from MQTT_URL, so the error can name it. */
  fromEnv: boolean;
  /** The gateway's broker login (src/fleet: `sdes-gateway` and the installation's secret). */
  username?: string;
  password?: string;
  /** false for the embedded broker's own certificate, which the gateway reaches on 127.0.0.1. */
  rejectUnauthorized?: boolean;
}): Promise<MqttClient> {
  const client = mqtt.connect(url, {
    clientId,
    clean: true,
    reconnectPeriod: 1000,
    connectTimeout: timeoutMs,
    protocolVersion: 4,
    will,
    username,
    password,
    rejectUnauthorized,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no CONNACK within ${timeoutMs} ms`)), timeoutMs);
      client.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      client.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  } catch (err) {
    client.end(true);
    const reason = err instanceof Error ? err.message : String(err);
    throw new StartupError(
      fromEnv
        ? `cannot reach MQTT_URL=${url} (${reason}): start that broker or fix the URL, or unset MQTT_URL to use the embedded broker on MQTT_PORT`
        : `cannot connect to the embedded broker at ${url} (${reason})`,
    );
  }
  client.on('reconnect', () => logger.warn({ url }, 'MQTT reconnecting'));
  client.on('connect', () => logger.info({ url }, 'MQTT connected'));
  client.on('error', (err) => logger.error({ err: err.message }, 'MQTT error'));
  return client;
}
