import { NUMERIC_PARAMS } from '../../../src-shared/drift/params';
import type {
  DriftMessage,
  EntropyPacket,
  StateDiffMessage,
} from '../../../src-shared/protocol/messages';
import type { Uint8ArrayList } from 'uint8arraylist';
import { Frame } from './drift';

/*
 * The wire codec of /lvs/drift/1.0.0: each frame is an unsigned-varint length followed by that
 * many bytes of a protobuf `Frame` (drift.proto) holding exactly one of hello, ep or sdm.
 * Decoding turns a frame into the plain objects of src-shared/protocol/messages.ts, unchecked:
 * the caller holds them to checkHello / checkDriftMessage before anything else.
 */

/** Frames larger than this are refused before a byte of them is decoded (or even kept). */
export const MAX_FRAME_BYTES = 4096;

/** No repeated field may hold more values than the largest dimension allowed. */
const repeated = {
  ep: { entropy: NUMERIC_PARAMS.dimensions.max },
  sdm: { state: NUMERIC_PARAMS.dimensions.max },
};
const limits = { ...repeated, cycle: repeated };

/** The protobuf body of a message, without its length prefix. */
export function encodeBody(message: DriftMessage): Uint8Array {
  switch (message.kind) {
    case 'hello':
      return Frame.encode({
        hello: {
          version: message.version,
          dimensions: message.dimensions,
          cycleMs: message.cycleMs,
        },
      });
    case 'ep':
      return Frame.encode({
        ep: { entropy: [...message.entropy], timestamp: message.timestamp, load: message.load },
      });
    case 'sdm':
      return Frame.encode({
        sdm: {
          shard: message.shard,
          state: [...message.state],
          weight: message.weight,
          cycle: message.cycle,
        },
      });
  }
}

/** A cycle's EP and SDM as one frame body (drift.proto's CycleMessages). */
export function encodeCycleBody(ep: EntropyPacket, sdm: StateDiffMessage): Uint8Array {
  return Frame.encode({
    cycle: {
      ep: { entropy: [...ep.entropy], timestamp: ep.timestamp, load: ep.load },
      sdm: { shard: sdm.shard, state: [...sdm.state], weight: sdm.weight, cycle: sdm.cycle },
    },
  });
}

/** Prefixes a body with its length (unsigned varint), ready to write on the stream. */
export function frameBytes(body: Uint8Array): Uint8Array {
  const prefix: number[] = [];
  let n = body.byteLength;
  while (n >= 0x80) {
    prefix.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  prefix.push(n);
  const out = new Uint8Array(prefix.length + body.byteLength);
  out.set(prefix);
  out.set(body, prefix.length);
  return out;
}

/** One message as a complete frame. Throws if it would exceed the size limit. */
export function encodeFrame(message: DriftMessage): Uint8Array {
  const body = encodeBody(message);
  if (body.byteLength > MAX_FRAME_BYTES)
    throw new RangeError(`a ${message.kind} frame of ${body.byteLength} bytes is over the limit`);
  return frameBytes(body);
}

export type Decoded =
  | { readonly ok: true; readonly message: unknown }
  | { readonly ok: false; readonly category: 'undecodable' | 'empty'; readonly reason: string };

/**
 * Decodes a frame's body into a plain message object (`kind` set, fields as sent, not yet
 * validated). Never throws: a body protobuf cannot read, or one carrying no message, is a reason.
 */
export function decodeBody(body: Uint8Array | Uint8ArrayList): Decoded {
  let frame: Frame;
  try {
    frame = Frame.decode(body, { limits });
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { ok: false, category: 'undecodable', reason: `undecodable frame (${why})` };
  }
  if (frame.hello) return { ok: true, message: { kind: 'hello', ...frame.hello } };
  if (frame.ep) return { ok: true, message: { kind: 'ep', ...frame.ep } };
  if (frame.sdm) return { ok: true, message: { kind: 'sdm', ...frame.sdm } };
  if (frame.cycle?.ep && frame.cycle.sdm)
    return {
      ok: true,
      message: {
        kind: 'cycle',
        ep: { kind: 'ep', ...frame.cycle.ep },
        sdm: { kind: 'sdm', ...frame.cycle.sdm },
      },
    };
  if (frame.cycle)
    return { ok: false, category: 'empty', reason: 'cycle frame without both its ep and its sdm' };
  return { ok: false, category: 'empty', reason: 'frame carries no hello, ep, sdm or cycle' };
}
