import type { MqttClient } from 'mqtt';
import { buildCancel, commandsTopic, encodeMessage } from '../protocol';
import type { Logger } from '../runtime/logger';

/** Commands to agents, published on their commands topic (docs/protocol.md 3). */
export interface AgentCommands {
  /**
   * Publishes encoded commands at QoS 1 without waiting for each PUBACK (a 2,000-client fan-out
   * is one burst); a publish the broker does not confirm is logged.
   */
  send(messages: { mqttClientId: string; payload: Buffer }[]): void;
  /** Tells agents to stop reports (`reportId` as the agent knows it); best effort, fire and forget. */
  cancel(targets: { mqttClientId: string; reportId: string }[], reason: string): void;
}

export function createAgentCommands({ mqtt, logger }: { mqtt: Pick<MqttClient, 'publish'>; logger: Logger }): AgentCommands {
  return {
    send(messages) {
      for (const m of messages) {
        const topic = commandsTopic(m.mqttClientId);
        mqtt.publish(topic, m.payload, { qos: 1 }, (err) => {
          if (err) logger.warn({ err, topic }, 'command not confirmed by the broker; a dispatch is sent again when the client reconnects');
        });
      }
    },
    cancel(targets, reason) {
      for (const t of targets) {
        mqtt.publish(commandsTopic(t.mqttClientId), encodeMessage(buildCancel(t.reportId, reason)), { qos: 1 }, (err) => {
          if (err) logger.debug({ err, reportId: t.reportId }, 'cancel not confirmed by the broker');
        });
      }
    },
  };
}
