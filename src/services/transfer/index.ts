export { TransferService } from './transfer.service';
export type { SendFrame, TransferDeps } from './transfer-context';
export { RemoteFolderService, type RemoteFolderListing } from './remote-folders';
