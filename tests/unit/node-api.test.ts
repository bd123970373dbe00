import { describe, expect, it } from 'vitest';
import { checkNodeRequest } from '../../src-shared/api/node-api';

describe('node API requests', () => {
  it.each([
    { op: 'status' },
    { op: 'events', limit: 20 },
    { op: 'set-params', params: { alpha: 0.02, aggregator: 'trimmed', trimF: 2 } },
    { op: 'connect', address: '/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWAbc' },
    { op: 'disconnect', peer: '12D3KooWAbc' },
    { op: 'low-power', on: true },
  ])('accept %j', (req) => {
    expect(checkNodeRequest(req)).toEqual({ ok: true, value: req });
  });

  it.each([
    [{ op: 'reboot' }, /op must be one of status/],
    [{ op: 'events', limit: 0 }, /^limit: /],
    [{ op: 'events', limit: 1e9 }, /^limit: /],
    [{ op: 'set-params', params: { gamma: 1 } }, /params: .*gamma/],
    [{ op: 'set-params', params: { alpha: 'high' } }, /^params.alpha: alpha must be a number/],
    [{ op: 'set-params', params: { aggregator: 'max' } }, /^params.aggregator: /],
    [{ op: 'connect', address: 'evil.example.com' }, /^address: must be a multiaddr/],
    [{ op: 'disconnect', peer: '../../etc' }, /^peer: must be a peer session id/],
    [{ op: 'status', extra: 1 }, /extra/],
    ['status', /op must be one of/],
    [null, /op must be one of/],
  ])('reject %j with one line naming the field', (req, reason) => {
    const v = checkNodeRequest(req);
    expect(v.ok).toBe(false);
    if (!v.ok) {
      expect(v.reason).toMatch(reason);
      expect(v.reason).not.toContain('\n');
    }
  });
});
