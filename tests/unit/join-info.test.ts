import { describe, expect, it } from 'vitest';
import { checkJoinInfo, JOIN_LIMITS } from '../../src-shared/api/join-info';
import { DEFAULT_PARAMS } from '../../src-shared/drift/params';

/*
 * What a browser node accepts from the join listener before it starts: join.json comes over the
 * network, so every field is checked and bounded, and a refusal is one line naming the field.
 */

const ID = '12D3KooWQhmc7kweVtGvRZFspE2vcb5oZxr4QZknUEVYtpPzwiZf';
const good = {
  addresses: [`/ip4/192.168.1.5/tcp/4002/ws/p2p/${ID}`],
  params: { alpha: 0.02 },
  cycleMs: 1000,
  genesis: [100, 100],
  version: '0.1.0',
};

describe('join.json, as a browser node checks it', () => {
  it('takes a good one, with the parameters over the defaults', () => {
    const r = checkJoinInfo(good);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.params).toEqual({ ...DEFAULT_PARAMS, alpha: 0.02 });
    expect(r.value.addresses).toEqual(good.addresses);
    expect(r.value.genesis).toEqual([100, 100]);
  });

  it('refuses each bad field in one line that names it', () => {
    const cases: [unknown, RegExp][] = [
      [null, /must be a JSON object/],
      [[good], /must be a JSON object/],
      [{ ...good, addresses: [] }, /addresses must be 1 to 16/],
      [
        {
          ...good,
          addresses: Array.from({ length: JOIN_LIMITS.maxAddresses + 1 }, () => good.addresses[0]),
        },
        /addresses must be 1 to 16/,
      ],
      [{ ...good, addresses: [`/ip4/1.2.3.4/tcp/1/ws/p2p/${'x'.repeat(300)}`] }, /at most 256/],
      [{ ...good, addresses: ['/ip4/1.2.3.4/tcp/4002/ws/p2p/not an id'] }, /is not a peer id/],
      [{ ...good, addresses: ['/ip4/999.2.3.4/tcp/4002/ws'] }, /is not an IPv4 address/],
      [
        { ...good, addresses: [`/ip4/1.2.3.4/tcp/4001/p2p/${ID}`] },
        /none of its addresses is a WebSocket one/,
      ],
      [{ ...good, params: { alpha: 7 } }, /join info: .*alpha/],
      [{ ...good, params: { colour: 'red' } }, /join info: .*colour/],
      [{ ...good, cycleMs: 5 }, /cycleMs must be an integer in 10\.\.3600000/],
      [{ ...good, cycleMs: 1000.5 }, /cycleMs must be an integer/],
      [{ ...good, genesis: [100] }, /genesis must be 2 numbers/],
      [{ ...good, genesis: [100, -1] }, /genesis must be 2 numbers in 0\.\./],
      [{ ...good, genesis: [100, 1e13] }, /genesis must be 2 numbers in 0\.\./],
      [{ ...good, version: 'x'.repeat(65) }, /version must be text of at most 64/],
    ];
    for (const [raw, reason] of cases) {
      const r = checkJoinInfo(raw);
      expect(r.ok, JSON.stringify(raw).slice(0, 120)).toBe(false);
      if (r.ok) continue;
      expect(r.reason).toMatch(reason);
      expect(r.reason).not.toContain('\n');
    }
  });
});
