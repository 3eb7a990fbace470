import type { MqttClient } from 'mqtt';
import {
  encodeFrame,
  gatewaySubscriptions,
  parseAgentTopic,
  parseTransferSessionTopic,
  parseTransferUp,
  PROTOCOL_VERSION,
  transferDownTopic,
  type TransferDownDraft,
  type TransferFrame,
  type TransferUp,
} from '../protocol';
import type { Logger } from '../runtime/logger';

export interface TransferCarrier {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Publishes a frame on the agent's transfer-down (QoS 1). */
  send(mqttClientId: string, header: TransferDownDraft, body?: Buffer): void;
}

export interface TransferCarrierOptions {
  mqtt: MqttClient;
  logger: Logger;
  shareGroup?: string;
  /** What a frame means (src/services/transfer); called for one agent's frames one after another. */
  handle: (mqttClientId: string, frame: TransferFrame<TransferUp>) => Promise<void>;
  /** Checks an agent's frame (its HMAC, a revoked credential): the frame without the HMAC, or null to drop it (src/fleet). */
  authenticate?: (mqttClientId: string, channel: 'transfer-up', topic: string, payload: Buffer) => Buffer | null | Promise<Buffer | null>;
  /** How a frame's header for an agent is sealed (its HMAC); undefined: sent as it is; null: nothing may be sent to it (src/fleet). */
  seal?: (mqttClientId: string, topic: string) => ((json: Buffer) => Buffer) | undefined | null;
}

/**
 * The transport of the transfer sub-protocol (docs/protocol.md §12): agents' transfer-up frames
 * (and the upload chunks on the files' session topics, in the same per-agent order) are decoded and handed over in the broker's order per agent (an upload's chunks are written in
 * order); answers go out on the agent's transfer-down. A malformed frame is logged and dropped; a
 * handler that throws costs only its frame.
 */
export function createTransferCarrier({
  mqtt,
  logger,
  shareGroup,
  handle,
  authenticate = (_clientId, _channel, _topic, payload) => payload,
  seal = () => undefined,
}: TransferCarrierOptions): TransferCarrier {
  const log = logger.child({ part: 'transfer' });
  const { transferUp, transferSessions } = gatewaySubscriptions({ shareGroup });
  const chains = new Map<string, Promise<void>>();
  let stopped = false;

  const onMessage = (topic: string, payload: Buffer) => {
    if (stopped) return;
    const where = parseAgentTopic(topic);
    // An upload's chunks come on the file's session topic (§12.2), sealed by their sender as on its transfer-up.
    const session = where ? null : parseTransferSessionTopic(topic);
    if (where?.channel !== 'transfer-up' && !session) return;
    const clientId = where?.clientId ?? session!.clientId;
    const take = async () => {
      const checked = await authenticate(clientId, 'transfer-up', topic, payload);
      if (!checked) return; // logged by the check
      const parsed = parseTransferUp(checked);
      if (!parsed.ok) return void log.warn({ clientId, error: parsed.error, bytes: payload.length }, 'malformed transfer frame dropped');
      if (session && (parsed.value.header.kind !== 'upload.chunk' || parsed.value.header.fileId !== session.fileId))
        return void log.warn(
          { clientId, topic, kind: parsed.value.header.kind },
          'transfer frame dropped: a session topic carries the chunks of its own file only',
        );
      await handle(clientId, session ? { ...parsed.value, fromSession: true } : parsed.value).catch((err: unknown) =>
        log.error({ err, clientId, kind: parsed.value.header.kind }, 'transfer frame not handled'),
      );
    };
    // Checked and handled in the broker's order per agent: an upload's chunks are written in order.
    const previous = chains.get(clientId) ?? Promise.resolve();
    const next = previous.then(take).catch((err: unknown) => log.error({ err, clientId }, 'transfer frame not checked; dropped'));
    chains.set(clientId, next);
    void next.then(() => {
      if (chains.get(clientId) === next) chains.delete(clientId);
    });
  };

  return {
    async start() {
      mqtt.on('message', onMessage);
      await mqtt.subscribeAsync([transferUp, transferSessions], { qos: 1 });
      log.info({ filters: [transferUp, transferSessions] }, 'listening to transfers');
    },
    async stop() {
      stopped = true;
      mqtt.off('message', onMessage);
      await Promise.all([...chains.values()]);
    },
    send(mqttClientId, header, body) {
      if (stopped) return;
      try {
        const topic = transferDownTopic(mqttClientId);
        const sealHeader = seal(mqttClientId, topic);
        if (sealHeader === null)
          return void log.debug({ clientId: mqttClientId, kind: header.kind }, 'transfer frame not sent: the agent has no valid credential');
        mqtt.publish(topic, encodeFrame({ v: PROTOCOL_VERSION, ...header }, body, sealHeader), { qos: 1 }, (err) => {
          if (err) log.debug({ err, clientId: mqttClientId, kind: header.kind }, 'transfer frame not confirmed');
        });
      } catch (err) {
        log.error({ err, clientId: mqttClientId, kind: header.kind }, 'cannot build a transfer frame');
      }
    },
  };
}
