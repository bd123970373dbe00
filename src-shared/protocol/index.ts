export {
  COMPACT_CYCLE,
  MAX_FRAME_BYTES,
  compactFixedBytes,
  decodeBody,
  encodeBody,
  encodeCycleBody,
  encodeFrame,
  frameBytes,
} from './codec';
export {
  DRIFT_DEFAULTS,
  DriftProtocol,
  defaultMaxPeerCycleMs,
  preferredOpener,
  type BadFrame,
  type DriftHost,
  type DriftProtocolEvents,
  type DriftProtocolOptions,
  type SessionEnd,
  type SessionInfo,
} from './drift-protocol';
export { FrameReader, type ReadEvent } from './frame-reader';
export type { BadFrameCategory, DropCategory, Received, SessionCounters } from './session';
