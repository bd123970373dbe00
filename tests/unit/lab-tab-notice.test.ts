// What a lab tab may tell the controller: only its own node's lines and addresses, bounded.
import { describe, expect, it } from 'vitest';
import { checkedNotice } from '../../src-main/lab/browser-tabs';

describe("a lab tab's notices", () => {
  it('passes its own node line and addresses', () => {
    expect(checkedNotice({ type: 'node', slot: 3, what: 'joined' }, 3)).toEqual({
      type: 'node',
      slot: 3,
      what: 'joined',
    });
    const addresses = ['/ip4/127.0.0.1/tcp/1/ws/p2p/QmR/p2p-circuit/webrtc/p2p/QmB'];
    expect(checkedNotice({ type: 'addresses', slot: 3, addresses }, 3)).toEqual({
      type: 'addresses',
      slot: 3,
      addresses,
    });
  });

  it("refuses another slot's, unknown types, wrong shapes and unbounded lists", () => {
    expect(checkedNotice({ type: 'node', slot: 4, what: 'x' }, 3)).toBeNull();
    expect(checkedNotice({ type: 'reply', slot: 3 }, 3)).toBeNull();
    expect(checkedNotice({ type: 'node', slot: 3, what: 7 }, 3)).toBeNull();
    expect(checkedNotice({ type: 'addresses', slot: 3, addresses: 'x' }, 3)).toBeNull();
    expect(checkedNotice({ type: 'addresses', slot: 3, addresses: [1] }, 3)).toBeNull();
    const many = Array.from({ length: 33 }, (_, i) => `/ip4/127.0.0.1/tcp/${i + 1}`);
    expect(checkedNotice({ type: 'addresses', slot: 3, addresses: many }, 3)).toBeNull();
    expect(checkedNotice({ type: 'node', slot: 3, what: 'x'.repeat(2049) }, 3)).toBeNull();
    expect(checkedNotice(null, 3)).toBeNull();
  });
});
