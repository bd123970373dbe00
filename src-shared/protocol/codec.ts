import { accept, refuse, type Checked } from '../checked';
import { NUMERIC_PARAMS } from '../drift/params';
import type { DriftMessage, EntropyPacket, StateDiffMessage } from './messages';
import type { Uint8ArrayList } from 'uint8arraylist';
import { Frame } from './drift';
import { errorMessage } from '../error-message';

/*
 * The wire codec of /lvs/drift/1.0.0: each frame is an unsigned-varint length followed by that
 * many bytes of body. The body is either a protobuf `Frame` (drift.proto) holding exactly one of
 * hello, ep or sdm, or a compact cycle frame: a node's EP and SDM of one cycle in a fixed layout
 * (below), told apart by its first byte, 0x00, which no protobuf encoder writes (it would be the
 * tag of field number 0, which protobuf does not allow).
 * Decoding turns a frame into the plain objects of src-shared/protocol/messages.ts, unchecked:
 * the caller holds them to checkHello / checkDriftMessage before anything else.
 */

/** Frames larger than this are refused before a byte of them is decoded (or even kept). */
export const MAX_FRAME_BYTES = 4096;

/** No repeated field may hold more values than the largest dimension allowed. */
const limits = {
  hello: { holds: NUMERIC_PARAMS.dimensions.max },
  ep: { entropy: NUMERIC_PARAMS.dimensions.max },
  sdm: { state: NUMERIC_PARAMS.dimensions.max },
};

/** The protobuf body of a message, without its length prefix. */
export function encodeBody(message: DriftMessage): Uint8Array {
  switch (message.kind) {
    case 'hello':
      return Frame.encode({
        hello: {
          version: message.version,
          dimensions: message.dimensions,
          cycleMs: message.cycleMs,
          // 0 and [] are not written (proto3 defaults): a K = 1 HELLO is the one before shards.
          shards: message.shards === undefined || message.shards <= 1 ? 0 : message.shards,
          holds:
            message.shards !== undefined && message.shards > 1 ? [...(message.holds ?? [])] : [],
          // Field 6 only with K > 1 (the protocol leaves it out at K, its default).
          ...(message.shards !== undefined && message.shards > 1 && message.maxShards !== undefined
            ? { maxShards: message.maxShards }
            : {}),
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

/** The first body byte of a compact cycle frame; no protobuf Frame starts with it. */
export const COMPACT_CYCLE = 0x00;

/** The largest finite float32: weights above it are sent as it (every receiver caps far lower). */
const FLOAT32_MAX = 3.4028234663852886e38;

/** A varint of a cycle up to 2^53 - 1 takes at most 8 bytes. */
const MAX_CYCLE_BYTES = 8;

/** Bytes of a compact cycle frame's body for dimension d, before its cycle's varint. */
export function compactFixedBytes(d: number): number {
  return 1 + 8 * d + 4 + d + 1;
}

/** An entropy component in [-1, 1] as a signed byte, to the nearest 1/127 (-128 is never sent). */
export function entropyByte(x: number): number {
  const q = Math.round(Math.min(1, Math.abs(x)) * 127);
  return x < 0 ? -q : q;
}

/** A load in [0, 1] as an unsigned byte, to the nearest 1/255. */
export function loadByte(load: number): number {
  return Math.round(Math.min(1, Math.max(0, load)) * 255);
}

/** A weight as float32 (to the nearest), finite weights beyond float32's range as its largest. */
export function float32Weight(w: number): number {
  const f = Math.fround(w);
  return Number.isFinite(w) && !Number.isFinite(f) ? Math.sign(w) * FLOAT32_MAX : f;
}

/**
 * A cycle's EP and SDM as one compact frame body, little-endian:
 *
 *   0x00 | S: d x float64 | weight: float32 | entropy: d x int8 (/127) | load: uint8 (/255) | cycle: varint
 *
 * S travels exactly. The weight is rounded to float32 (relative error under 6e-8). The entropy is
 * the applied entropy F, inside the unit ball, so each component is in [-1, 1] and travels to the
 * nearest 1/127; the load to the nearest 1/255. The shard is 0 and there is no timestamp: the
 * receiver orders the EP by the SDM's cycle and stamps it with its arrival. The cycle is an
 * unsigned LEB128 varint in as few bytes as it takes, ending the body. The messages should have
 * passed checkDriftMessage; throws if their dimensions differ or the cycle is not a safe integer.
 */
export function encodeCycleBody(ep: EntropyPacket, sdm: StateDiffMessage): Uint8Array {
  const d = sdm.state.length;
  if (ep.entropy.length !== d)
    throw new RangeError(`an EP of ${ep.entropy.length} and an SDM of ${d} components`);
  let cycle = sdm.cycle;
  if (!Number.isSafeInteger(cycle) || cycle < 0)
    throw new RangeError(`cycle ${cycle} is not an integer in [0, 2^53 - 1]`);
  const fixed = compactFixedBytes(d);
  let cycleBytes = 1;
  for (let c = cycle; c >= 0x80; c = Math.floor(c / 0x80)) cycleBytes++;
  const out = new Uint8Array(fixed + cycleBytes);
  const view = new DataView(out.buffer);
  out[0] = COMPACT_CYCLE;
  let o = 1;
  for (const x of sdm.state) {
    view.setFloat64(o, x, true);
    o += 8;
  }
  view.setFloat32(o, float32Weight(sdm.weight), true);
  o += 4;
  for (const x of ep.entropy) view.setInt8(o++, entropyByte(x));
  out[o++] = loadByte(ep.load);
  while (cycle >= 0x80) {
    out[o++] = (cycle % 0x80) | 0x80;
    cycle = Math.floor(cycle / 0x80);
  }
  out[o] = cycle;
  return out;
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

/** Why a frame's body was refused: it could not be read, or it carried no message. */
export type DecodeFault = { readonly category: 'undecodable' | 'empty' };

export type Decoded = Checked<unknown, DecodeFault>;

/**
 * Decodes a frame's body into a plain message object (`kind` set, fields as sent, not yet
 * validated). `dimensions` is the session's d, which a compact cycle frame's length must fit. A
 * compact frame decodes to `{ kind: 'cycle', ep, sdm }` whose EP has no timestamp yet (the
 * receiver stamps it). Never throws: a body that cannot be read, or one carrying no message, is
 * a reason.
 */
export function decodeBody(body: Uint8Array | Uint8ArrayList, dimensions: number): Decoded {
  const flat = body instanceof Uint8Array ? body : body.subarray();
  if (flat[0] === COMPACT_CYCLE) return decodeCompact(flat, dimensions);
  let frame: Frame;
  try {
    frame = Frame.decode(flat, { limits });
  } catch (err) {
    const why = errorMessage(err);
    return refuse(`undecodable frame (${why})`, { category: 'undecodable' });
  }
  if (frame.hello) {
    // A HELLO without shards (K = 1, or from before shards) decodes as it did before them. A
    // max_shards is kept whatever K says, so that checkHello refuses one out of 1..K.
    const { shards, holds, maxShards, ...hello } = frame.hello;
    const cap = maxShards === undefined ? {} : { maxShards };
    return accept(
      shards > 1
        ? { kind: 'hello', ...hello, shards, holds, ...cap }
        : { kind: 'hello', ...hello, ...cap },
    );
  }
  if (frame.ep) return accept({ kind: 'ep', ...frame.ep });
  if (frame.sdm) return accept({ kind: 'sdm', ...frame.sdm });
  return refuse('frame carries no hello, ep, sdm or cycle', { category: 'empty' });
}

/** A compact cycle frame: exactly the length d allows, and a minimal varint ending the body. */
function decodeCompact(body: Uint8Array, d: number): Decoded {
  const fixed = compactFixedBytes(d);
  const cycleBytes = body.byteLength - fixed;
  if (cycleBytes < 1 || cycleBytes > MAX_CYCLE_BYTES)
    return refuse(
      `undecodable cycle frame: ${body.byteLength} bytes, while d = ${d} takes ` +
        `${fixed + 1} to ${fixed + MAX_CYCLE_BYTES}`,
      { category: 'undecodable' },
    );
  let cycle = 0;
  for (let i = 0; i < cycleBytes; i++) {
    const byte = body[fixed + i]!;
    const last = i === cycleBytes - 1;
    if (last === ((byte & 0x80) !== 0) || (last && i > 0 && byte === 0))
      return refuse('undecodable cycle frame: its cycle is not a minimal varint ending the frame', {
        category: 'undecodable',
      });
    cycle += (byte & 0x7f) * 2 ** (7 * i);
  }
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const state = new Array<number>(d);
  let o = 1;
  for (let c = 0; c < d; c++, o += 8) state[c] = view.getFloat64(o, true);
  const weight = view.getFloat32(o, true);
  o += 4;
  const entropy = new Array<number>(d);
  for (let c = 0; c < d; c++) entropy[c] = view.getInt8(o++) / 127;
  const load = body[o]! / 255;
  return accept({
    kind: 'cycle',
    ep: { kind: 'ep', entropy, load },
    sdm: { kind: 'sdm', shard: 0, state, weight, cycle },
  });
}
