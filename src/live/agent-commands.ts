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

/**
 * Messages published per turn of the event loop: each is signed on its way out (src/fleet,
 * ~50-90 µs for Ed25519 here), so a 2,000-agent fan-out leaves in slices rather than one block.
 */
const SLICE = 250;

export function createAgentCommands({ mqtt, logger }: { mqtt: Pick<MqttClient, 'publish'>; logger: Logger }): AgentCommands {
  const publishSlice = (messages: { mqttClientId: string; payload: Buffer }[], from: number) => {
    for (const m of messages.slice(from, from + SLICE)) {
      const topic = commandsTopic(m.mqttClientId);
      mqtt.publish(topic, m.payload, { qos: 1 }, (err) => {
        if (err) logger.warn({ err, topic }, 'command not confirmed by the broker; a dispatch is sent again when the client reconnects');
      });
    }
    if (from + SLICE < messages.length) setImmediate(() => publishSlice(messages, from + SLICE));
  };
  return {
    send(messages) {
      publishSlice(messages, 0);
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
