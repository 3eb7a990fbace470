import type { TransferFrame, TransferUp } from '../../protocol';
import { FetchService } from './fetch.service';
import type { TransferDeps } from './transfer-context';
import { UploadSessions } from './upload-sessions';

/**
 * The gateway's side of the transfer sub-protocol (docs/protocol.md §12): every frame an agent
 * sends on its transfer-up comes here, already parsed, one agent's frames one after another (the
 * carrier keeps that order, so an upload's chunks are written strictly in order).
 */
export class TransferService {
  readonly uploads: UploadSessions;
  readonly fetches: FetchService;

  constructor(private readonly deps: TransferDeps) {
    this.uploads = new UploadSessions(deps);
    this.fetches = new FetchService(deps);
  }

  async handle(mqttClientId: string, { header, body }: TransferFrame<TransferUp>): Promise<void> {
    switch (header.kind) {
      case 'upload.open':
        return this.uploads.open(mqttClientId, header);
      case 'upload.chunk':
        return this.uploads.chunk(mqttClientId, header, body);
      case 'upload.close':
        return this.uploads.close(mqttClientId, header.fileId);
      case 'upload.abort':
        return this.uploads.abort(mqttClientId, header.fileId, header.reason);
      case 'fetch.open':
        return this.fetches.open(mqttClientId, header);
      case 'fetch.get':
        return this.fetches.get(mqttClientId, header);
      case 'broadcast.start':
      case 'broadcast.status':
      case 'deliver.done':
      case 'deliver.failed':
        if ('requestId' in header) {
          this.deps.send(mqttClientId, { kind: 'broadcast.refused', requestId: header.requestId, reason: 'BROADCAST is not served by this gateway yet' });
        }
        return;
      default: {
        const unknown: never = header;
        throw new Error(`no handler for ${JSON.stringify(unknown)}`);
      }
    }
  }
}
