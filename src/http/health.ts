import type { Request, Response } from 'express';
import type { MqttClient } from 'mqtt';
import type { Database } from '../runtime/database';

export interface HealthSources {
  db: Database;
  mqtt: MqttClient;
  brokerUrl: string;
  brokerKind: 'embedded' | 'external';
  startedAt: Date;
}

/** GET /healthz: 200 only when both the database and the broker answer. */
export function healthHandler({ db, mqtt, brokerUrl, brokerKind, startedAt }: HealthSources) {
  return async (_req: Request, res: Response) => {
    const dbUp = await db.ping();
    const mqttUp = mqtt.connected;
    res.status(dbUp && mqttUp ? 200 : 503).json({
      status: dbUp && mqttUp ? 'ok' : 'degraded',
      uptimeSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
      database: { status: dbUp ? 'up' : 'down', kind: db.kind, url: db.displayUrl },
      broker: { status: mqttUp ? 'up' : 'down', kind: brokerKind, url: brokerUrl },
    });
  };
}
