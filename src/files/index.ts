export type { BlobStorage, BlobWriter, ByteRange } from './blob-storage';
export { createLocalBlobStorage } from './local-blob-storage';
export {
  FileStoreService,
  type FileStoreServiceOptions,
  type OpenedContent,
  type RetentionResult,
  type StoredFileFilter,
  type StoredFileRow,
} from './file-store.service';
export type { FileStoreUsage, RemovalReason, RemovedFile } from './file-retention';
export { contentPathOf, MAX_NAME_LENGTH, type BeginFileInput } from './stored-file.rules';
export { FILE_STORE_DEFAULTS, type FileStoreSettings } from './file-store.settings';
export type { SetTimer } from '../runtime/timers';
