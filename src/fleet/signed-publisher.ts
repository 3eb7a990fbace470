import type { MqttClient } from 'mqtt';
import { parseAgentTopic, signCommand, type CommandKeys } from '../protocol';

/**
 * The gateway's publish for its senders of commands (dispatcher, acks): anything on an agent's
 * commands topic leaves signed with the installation's key (docs/protocol.md 9.3); other topics
 * pass as they are.
 */
export function signingPublisher(mqtt: MqttClient, keys: CommandKeys): Pick<MqttClient, 'publish'> {
  const publish = ((topic: string, message: string | Buffer, ...rest: unknown[]) => {
    const signed = parseAgentTopic(topic)?.channel === 'commands' ? signCommand(keys, topic, Buffer.from(message)) : message;
    return (mqtt.publish as (...args: unknown[]) => MqttClient)(topic, signed, ...rest);
  }) as MqttClient['publish'];
  return { publish };
}
