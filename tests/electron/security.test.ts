import { describe, expect, it } from 'vitest';
import {
  APP_INDEX_URL,
  cspFor,
  docsUrlFrom,
  isAppUrl,
  isTrustedSender,
  isVettedUrl,
  webPreferencesFor,
  withCspHeader,
  type FrameLike,
} from '../../src-main/electron/security';

describe('isVettedUrl', () => {
  const allowed = ['https://lvs.example.org/docs', 'https://example.com/'];

  it('accepts https addresses at or under an allowed prefix', () => {
    expect(isVettedUrl('https://lvs.example.org/docs', allowed)).toBe(true);
    expect(isVettedUrl('https://lvs.example.org/docs/', allowed)).toBe(true);
    expect(isVettedUrl('https://lvs.example.org/docs/model.md#caveats', allowed)).toBe(true);
    expect(isVettedUrl('https://lvs.example.org/docs/a?b=c', allowed)).toBe(true);
    expect(isVettedUrl('https://example.com/anything', allowed)).toBe(true);
    expect(isVettedUrl('HTTPS://LVS.EXAMPLE.ORG/docs/x', allowed)).toBe(true); // URLs normalise
  });

  it('refuses other schemes', () => {
    for (const url of [
      'http://lvs.example.org/docs',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'smb://lvs.example.org/docs',
      'app://lvs/index.html',
      'ms-msdt:/id PCWDiagnostic',
    ])
      expect(isVettedUrl(url, allowed), url).toBe(false);
  });

  it('refuses other hosts, look-alikes, credentials and ports', () => {
    for (const url of [
      'https://lvs.example.org.evil.test/docs',
      'https://evil.test/https://lvs.example.org/docs',
      'https://lvs.example.org@evil.test/docs',
      'https://user:pass@lvs.example.org/docs',
      'https://lvs.example.org:8443/docs',
      'https://sub.lvs.example.org/docs',
    ])
      expect(isVettedUrl(url, allowed), url).toBe(false);
  });

  it('refuses paths beside or above the prefix, also when dot-segments are encoded', () => {
    for (const url of [
      'https://lvs.example.org/docsevil',
      'https://lvs.example.org/',
      'https://lvs.example.org/docs/../admin',
      'https://lvs.example.org/docs/%2e%2e/admin',
      'https://lvs.example.org/admin',
    ])
      expect(isVettedUrl(url, allowed), url).toBe(false);
  });

  it('refuses what is not a URL, and everything when nothing is allowed', () => {
    for (const url of ['', 'not a url', '//lvs.example.org/docs', 'x'.repeat(5000)])
      expect(isVettedUrl(url, allowed), url).toBe(false);
    expect(isVettedUrl(42 as unknown as string, allowed)).toBe(false);
    expect(isVettedUrl('https://lvs.example.org/docs', [])).toBe(false);
    expect(isVettedUrl('https://lvs.example.org/docs', ['http://lvs.example.org/docs'])).toBe(
      false,
    );
  });
});

describe('docsUrlFrom', () => {
  it("takes package.json's https homepage, and nothing else", () => {
    expect(docsUrlFrom({ homepage: 'https://lvs.example.org/docs' })).toBe(
      'https://lvs.example.org/docs',
    );
    expect(docsUrlFrom({ homepage: 'http://lvs.example.org/' })).toBeUndefined();
    expect(docsUrlFrom({ homepage: 'javascript:alert(1)' })).toBeUndefined();
    expect(docsUrlFrom({})).toBeUndefined();
    expect(docsUrlFrom(null)).toBeUndefined();
  });
});

describe('isAppUrl', () => {
  it('accepts the built renderer, and the dev server only when one is given', () => {
    expect(isAppUrl(APP_INDEX_URL)).toBe(true);
    expect(isAppUrl('app://lvs/')).toBe(true);
    expect(isAppUrl('app://lvs/index.html#/lab')).toBe(true);
    expect(isAppUrl('http://localhost:5173/')).toBe(false);
    const dev = { devUrl: 'http://localhost:5173' };
    expect(isAppUrl('http://localhost:5173/', dev)).toBe(true);
    expect(isAppUrl('http://localhost:5173/src/main.tsx', dev)).toBe(true);
    expect(isAppUrl('http://localhost:5174/', dev)).toBe(false);
    expect(isAppUrl('https://localhost:5173/', dev)).toBe(false);
  });

  it('refuses everything else', () => {
    for (const url of [
      'app://other/index.html',
      'app://lvs.evil/index.html',
      'app://user@lvs/index.html',
      'file:///work/main/out/renderer/index.html',
      'https://example.com/',
      'about:blank',
      'devtools://devtools/bundled/inspector.html',
      '',
    ])
      expect(isAppUrl(url, { devUrl: 'http://localhost:5173' }), url).toBe(false);
    expect(isAppUrl('http://localhost:5173/', { devUrl: 'file:///x' })).toBe(false);
  });
});

describe('isTrustedSender', () => {
  const main: FrameLike = {
    url: APP_INDEX_URL,
    processId: 4,
    frameToken: 'main',
    parent: null,
    detached: false,
  };

  it("accepts the main window's main frame on the app page", () => {
    expect(isTrustedSender(main, main)).toBe(true);
    // the same frame through another wrapper object
    expect(isTrustedSender({ ...main }, main)).toBe(true);
  });

  it('refuses other frames, subframes, detached frames, no frame, no window', () => {
    expect(isTrustedSender({ ...main, frameToken: 'other' }, main)).toBe(false);
    expect(isTrustedSender({ ...main, processId: 5 }, main)).toBe(false);
    expect(isTrustedSender({ ...main, parent: main }, main)).toBe(false);
    expect(isTrustedSender({ ...main, detached: true }, main)).toBe(false);
    expect(isTrustedSender(null, main)).toBe(false);
    expect(isTrustedSender(main, null)).toBe(false);
    expect(isTrustedSender(undefined, undefined)).toBe(false);
  });

  it('refuses the main frame once it shows another page', () => {
    const moved = { ...main, url: 'https://example.com/' };
    expect(isTrustedSender(moved, moved)).toBe(false);
    const dev = { ...main, url: 'http://localhost:5173/' };
    expect(isTrustedSender(dev, dev)).toBe(false);
    expect(isTrustedSender(dev, dev, { devUrl: 'http://localhost:5173/' })).toBe(true);
  });
});

describe('cspFor', () => {
  const directives = (csp: string) =>
    Object.fromEntries(
      csp.split(';').map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name!, values];
      }),
    );

  it("is strict in a build: 'self' only, no inline code, no eval, no framing", () => {
    const d = directives(cspFor());
    expect(d['default-src']).toEqual(["'self'"]);
    expect(d['script-src']).toEqual(["'self'"]);
    expect(d['style-src']).toEqual(["'self'"]);
    expect(d['connect-src']).toEqual(["'self'"]);
    expect(d['object-src']).toEqual(["'none'"]);
    expect(d['base-uri']).toEqual(["'none'"]);
    expect(d['frame-ancestors']).toEqual(["'none'"]);
    expect(d['form-action']).toEqual(["'none'"]);
    expect(cspFor()).not.toMatch(/unsafe|\*/);
  });

  it('allows what the dev server needs, for its own origin only', () => {
    const d = directives(cspFor('http://localhost:5173/'));
    expect(d['script-src']).toEqual(["'self'", "'unsafe-inline'"]);
    expect(d['style-src']).toEqual(["'self'", "'unsafe-inline'"]);
    expect(d['connect-src']).toEqual(["'self'", 'ws://localhost:5173', 'http://localhost:5173']);
    expect(cspFor('http://localhost:5173/')).not.toMatch(/unsafe-eval|\*/);
  });
});

describe('withCspHeader', () => {
  it('sets the policy once, replacing any sent in any case, keeping the rest', () => {
    expect(
      withCspHeader(
        {
          'content-type': ['text/html'],
          'content-security-policy': ['default-src *'],
          'Content-Security-Policy': ["script-src 'unsafe-eval'"],
          'x-single': 'one',
        },
        "default-src 'self'",
      ),
    ).toEqual({
      'content-type': ['text/html'],
      'x-single': ['one'],
      'Content-Security-Policy': ["default-src 'self'"],
    });
    expect(withCspHeader(undefined, 'x')).toEqual({ 'Content-Security-Policy': ['x'] });
  });
});

describe('webPreferencesFor', () => {
  it('isolates and sandboxes the page, with no Node anywhere and no webviews', () => {
    expect(webPreferencesFor('/app/out/preload/index.cjs')).toEqual({
      preload: '/app/out/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
    });
  });
});
