// What tests/browser/idb-entry.ts reports from the page. Kept apart from the entry, which is
// checked with the DOM's types (tsconfig.web.json), so the Node-typed test can import it.

/** The clock of the open that finds `main` damaged: its key names this time. */
export const CORRUPT_AT = new Date('2026-11-21T06:12:00.000Z');

export interface RecordDump {
  readonly key: string;
  /** The record as stored (this version writes text). */
  readonly value: unknown;
}

export interface OpenResult {
  readonly recovered: string;
  readonly notice: string | null;
  readonly cycle: number;
  readonly S: number[];
  readonly writes: number;
}

export interface RefusalResult {
  readonly name: string;
  readonly isNewerFormatError: boolean;
  readonly isStoreError: boolean;
  readonly message: string;
  readonly file: string;
  readonly format: number;
}

export interface IdbRun {
  readonly database: string;
  /** A second open of a node that is open: refused while it is, allowed once it is closed. */
  readonly secondOpen: {
    readonly name: string;
    readonly isStoreError: boolean;
    readonly database: string;
    readonly message: string;
    readonly afterClose: string;
  } | null;
  /** The database deleted from elsewhere while a node had it open. */
  readonly cleared: { readonly outcome: string; readonly said: readonly string[] };
  readonly fresh: OpenResult;
  /** After the fresh open, updates and close: the two records, parsed. */
  readonly afterClose: { readonly main: unknown; readonly backup: unknown };
  readonly reopened: OpenResult;
  readonly fromBackup: OpenResult;
  readonly afterBackup: readonly RecordDump[];
  readonly refused: RefusalResult | null;
  /** main over the 16 MiB a store may hold, the backup good. */
  readonly oversized: OpenResult;
  readonly beforeRefusal: readonly RecordDump[];
  readonly afterRefusal: readonly RecordDump[];
  readonly coalesced: {
    readonly writesAfterOpen: number;
    readonly writesAfterUpdates: number;
    readonly writesAfterClose: number;
    readonly savedCounter: unknown;
  };
  readonly history: {
    readonly inMemory: number[];
    readonly stored: number[];
    readonly reopened: number[];
  };
  readonly core: {
    readonly firstStopped: number;
    readonly storedCycle: number;
    readonly storedS: number[];
    readonly recovered: string;
    readonly secondStart: number;
    readonly secondStartS: number[];
    readonly secondStopped: number;
    readonly finalStored: number;
    readonly errors: string[];
  };
  readonly nodeGlobals: string[];
}
