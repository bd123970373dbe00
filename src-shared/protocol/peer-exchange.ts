/*
 * Peer exchange (/lvs/pex/1.0.0): what one node tells another about where peers can be reached.
 * The message and its checks live here, apart from any transport, so that every kind of node
 * (the desktop node today, a browser node later) refuses the same bad input in the same words.
 *
 * A message is one UTF-8 JSON object `{"addrs": [multiaddr, ...]}`: the sender's own dialable
 * addresses first, then a sample of its address book. JSON rather than protobuf because the
 * message is rare (once per new connection and every few minutes), small, and easier to read in
 * a capture than to save bytes on; its size is bounded before it is parsed.
 */

import { accept, refuse, type Checked } from '../checked';

export const PEX_PROTOCOL_ID = '/lvs/pex/1.0.0';

/** Addresses in one message at most: enough to learn a neighbourhood, too few to flood a book. */
export const PEX_MAX_ADDRS = 32;
/** Characters in one address at most (a relayed address with two peer ids is about 180). */
export const PEX_MAX_ADDR_CHARS = 256;
/** Bytes of one message at most: PEX_MAX_ADDRS addresses of the longest kind, with quoting. */
export const PEX_MAX_FRAME_BYTES = 32 + PEX_MAX_ADDRS * (PEX_MAX_ADDR_CHARS + 3);

/** Why a peer-exchange message was refused; each counts separately. */
export type PexFault = 'oversize' | 'undecodable' | 'invalid' | 'excess' | 'rate' | 'timeout';

export type PexCheck = Checked<readonly string[], { readonly fault: PexFault }>;

/** Printable ASCII starting with '/', no spaces: the text form of a multiaddr, nothing else. */
const ADDRESS_TEXT = /^\/[\x21-\x7e]+$/;

/** Encodes a message; throws on what the receiver would refuse (a bug here, not bad input). */
export function encodePex(addrs: readonly string[]): Uint8Array {
  const checked = checkPexAddrs(addrs);
  if (!checked.ok) throw new RangeError(`peer exchange: not sending: ${checked.reason}`);
  return new TextEncoder().encode(JSON.stringify({ addrs: checked.value }));
}

/** Decodes and checks a message body; never throws. */
export function decodePex(body: Uint8Array): PexCheck {
  if (body.byteLength > PEX_MAX_FRAME_BYTES)
    return fault(
      'oversize',
      `${body.byteLength} bytes is over the ${PEX_MAX_FRAME_BYTES}-byte limit`,
    );
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    return fault('undecodable', 'not a UTF-8 JSON object');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return fault('invalid', 'not a JSON object');
  const keys = Object.keys(raw);
  if (keys.length !== 1 || keys[0] !== 'addrs')
    return fault(
      'invalid',
      `expected exactly the key "addrs" (got ${keys.slice(0, 4).join(', ') || 'none'})`,
    );
  return checkPexAddrs((raw as { addrs: unknown }).addrs);
}

function checkPexAddrs(addrs: unknown): PexCheck {
  if (!Array.isArray(addrs)) return fault('invalid', '"addrs" must be an array');
  if (addrs.length > PEX_MAX_ADDRS)
    return fault('invalid', `${addrs.length} addresses is over the limit of ${PEX_MAX_ADDRS}`);
  for (const [i, a] of addrs.entries()) {
    if (typeof a !== 'string' || a.length > PEX_MAX_ADDR_CHARS || !ADDRESS_TEXT.test(a))
      return fault(
        'invalid',
        `address ${i} must be a multiaddr of at most ${PEX_MAX_ADDR_CHARS} printable characters`,
      );
  }
  return accept(addrs as string[]);
}

function fault(f: PexFault, reason: string): PexCheck {
  return refuse(reason, { fault: f });
}
