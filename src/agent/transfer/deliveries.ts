import type { TransferDown, TransferFrame } from '../../protocol';
import { receiveInto } from '../steps/receive-into';
import type { UnaskedWorkOptions } from './transfer-client';
import { TransferError } from './upload';

type Offer = Extract<TransferDown, { kind: 'deliver.offer' }>;

/**
 * BROADCAST deliveries pushed to this agent (`deliver.offer`): received one at a time, beside the
 * report queue (a store busy with a long report still gets its broadcast), and answered
 * `deliver.done` or `deliver.failed`. An offer seen again (the gateway offers again on each
 * reconnect) is answered from memory, or joins the delivery in progress.
 */
export function createDeliveries({ client, paths, clock, logger, signal }: UnaskedWorkOptions) {
  const settled = new Map<string, { ok: true; sha256: string } | { ok: false; reason: string }>();
  const queued = new Set<string>();
  let chain: Promise<void> = Promise.resolve();

  const answer = (deliveryId: string) => {
    const result = settled.get(deliveryId);
    if (!result) return;
    if (result.ok) client.send({ kind: 'deliver.done', deliveryId, sha256: result.sha256 });
    else client.send({ kind: 'deliver.failed', deliveryId, reason: result.reason });
  };

  async function deliver(offer: Offer): Promise<void> {
    const say = (text: string) => logger.info({ deliveryId: offer.deliveryId, fileId: offer.file.fileId }, `broadcast ${offer.file.name}: ${text}`);
    try {
      const outcome = await receiveInto(
        [offer.file],
        offer,
        {
          raw: offer.targetFilePath || offer.file.name,
          overWrite: offer.overWrite ?? 'OVERWRITE',
          createFilePath: offer.createFilePath ?? false,
          compress: offer.compressFile ?? false,
        },
        { paths, clock, signal, message: say, recordWrite: () => undefined },
        { client },
      );
      if ('status' in outcome) settled.set(offer.deliveryId, { ok: false, reason: outcome.message ?? 'failed' });
      else settled.set(offer.deliveryId, { ok: true, sha256: offer.file.sha256 });
    } catch (error) {
      if (signal.aborted) return;
      // A transfer error may pass (the gateway lost its grant, a timeout): the next offer tries again.
      if (error instanceof TransferError && !error.final) {
        logger.warn({ deliveryId: offer.deliveryId, err: error }, `broadcast ${offer.file.name} not received yet: ${error.message}`);
        return;
      }
      settled.set(offer.deliveryId, { ok: false, reason: (error as Error)?.message ?? String(error) });
    }
    answer(offer.deliveryId);
    const result = settled.get(offer.deliveryId);
    logger.info(
      { deliveryId: offer.deliveryId },
      `broadcast ${offer.file.name} ${result?.ok ? 'received' : `failed: ${result && !result.ok ? result.reason : ''}`}`,
    );
  }

  return (frame: TransferFrame<TransferDown>) => {
    const offer = frame.header;
    if (offer.kind !== 'deliver.offer') return;
    if (settled.has(offer.deliveryId)) return answer(offer.deliveryId);
    if (queued.has(offer.deliveryId)) return;
    if (offer.deadline && offer.deadline < clock.now().getTime()) return;
    queued.add(offer.deliveryId);
    chain = chain.then(() => deliver(offer)).finally(() => queued.delete(offer.deliveryId));
  };
}
