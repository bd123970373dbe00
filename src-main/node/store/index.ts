// The micro-node's crash-safe store. See node-store.ts for the API and safe-file.ts for how a
// write reaches the disk.
export {
  StoreClosedError,
  StoreError,
  StoreLockedError,
  StoreNewerFormatError,
  StoreNotAFileError,
} from './errors';
export { LOCK_FILE } from './lock';
export {
  DEFAULT_PERSIST_MS,
  NodeStore,
  STORE_FILE,
  type OpenOptions,
  type Opened,
  type Recovered,
  type SavedInfo,
} from './node-store';
export { userDataDir } from './paths';
export { MAX_STORE_BYTES } from './safe-file';
export {
  DEFAULT_LIMITS,
  STORE_FORMAT,
  storedEvent,
  type HistoryEntry,
  type StoreConfig,
  type StoreDocument,
  type StoredEvent,
  type StoreLimits,
  type StoreState,
} from '../../../src-shared/node/store-schema';
