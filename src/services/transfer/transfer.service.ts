import type { TransferFrame, TransferUp } from '../../protocol';
import type { Logger } from '../../runtime/logger';
import { BroadcastService } from './broadcasts';
import { FetchService } from './fetch.service';
import { RemoteFolderService } from './remote-folders';
import type { TransferDeps } from './transfer-context';
import { UploadSessions } from './upload-sessions';

/**
 * The gateway's side of the transfer sub-protocol (docs/protocol.md §12): every frame an agent
 * sends on its transfer-up comes here, already parsed, one agent's frames one after another (the
 * carrier keeps that order, so an upload's chunks are written strictly in order).
 */
export class TransferService {
  readonly uploads: UploadSessions;
  private readonly logger: Logger;
  readonly fetches: FetchService;
  readonly broadcasts: BroadcastService;
  readonly remoteFolders: RemoteFolderService;

  constructor(deps: TransferDeps) {
    this.logger = deps.logger;
    this.remoteFolders = new RemoteFolderService(deps);
    this.uploads = new UploadSessions(deps, this.remoteFolders);
    this.fetches = new FetchService(deps, undefined, this.uploads);
    // Receivers may pull a SEND_FILE's last file while it arrives: they hear of its chunks.
    this.uploads.watcher = this.fetches;
    // A BROADCAST's stores are offered its file before the upload is granted: they take it from the sender's publish.
    this.broadcasts = new BroadcastService(deps, this.fetches, this.uploads);
    this.uploads.broadcasts = this.broadcasts;
  }

  /** Clients came ONLINE: offer them the broadcast deliveries that wait for them. */
  clientsOnline(clientIds: number[]): void {
    if (!clientIds.length) return;
    this.broadcasts.offer({ clientIds }).catch((err: unknown) => this.logger.error({ err }, 'broadcast offers to clients that came ONLINE failed'));
  }

  async handle(mqttClientId: string, { header, body, fromSession }: TransferFrame<TransferUp>): Promise<void> {
    switch (header.kind) {
      case 'upload.open':
        return this.uploads.open(mqttClientId, header);
      case 'upload.chunk':
        return this.uploads.chunk(mqttClientId, header, body, fromSession);
      case 'upload.close':
        return this.uploads.close(mqttClientId, header.fileId);
      case 'upload.abort':
        return this.uploads.abort(mqttClientId, header.fileId, header.reason);
      case 'fetch.open':
        return this.fetches.open(mqttClientId, header);
      case 'fetch.get':
        return this.fetches.get(mqttClientId, header);
      case 'fetch.progress':
        return this.fetches.progress(mqttClientId, header.grant, header.fileId, header.bytes);
      case 'broadcast.start':
        return this.broadcasts.start(mqttClientId, header);
      case 'broadcast.status':
        return this.broadcasts.status(mqttClientId, header);
      case 'deliver.done':
        return this.broadcasts.settle(mqttClientId, header.deliveryId, 'DONE', null);
      case 'deliver.progress':
        return this.broadcasts.progress(header.deliveryId, header.fileId, header.upTo);
      case 'deliver.failed':
        return this.broadcasts.settle(mqttClientId, header.deliveryId, 'FAILED', header.reason);
      case 'remote.listing':
      case 'remote.error':
        return this.remoteFolders.answer(mqttClientId, header);
      default: {
        const unknown: never = header;
        throw new Error(`no handler for ${JSON.stringify(unknown)}`);
      }
    }
  }
}
