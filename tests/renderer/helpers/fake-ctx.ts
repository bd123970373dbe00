/** A 2D context that records what is drawn: method calls and the style in force at each. */
export interface Call {
  readonly name: string;
  readonly args: unknown[];
  readonly strokeStyle: unknown;
  readonly fillStyle: unknown;
  readonly dash: number[];
}

export function fakeContext() {
  const calls: Call[] = [];
  let dash: number[] = [];
  const ctx = {
    fillStyle: '' as unknown,
    strokeStyle: '' as unknown,
    lineWidth: 1,
    globalAlpha: 1,
    font: '',
    textAlign: 'start',
    textBaseline: 'alphabetic',
  } as Record<string, unknown>;
  const methods = [
    'setTransform',
    'clearRect',
    'fillRect',
    'beginPath',
    'closePath',
    'moveTo',
    'lineTo',
    'arc',
    'rect',
    'stroke',
    'fill',
    'fillText',
    'save',
    'restore',
    'drawImage',
    'getImageData',
  ];
  for (const name of methods) {
    ctx[name] = (...args: unknown[]) => {
      calls.push({
        name,
        args,
        strokeStyle: ctx['strokeStyle'],
        fillStyle: ctx['fillStyle'],
        dash: dash.slice(),
      });
    };
  }
  ctx['setLineDash'] = (d: number[]) => {
    dash = d.slice();
    calls.push({ name: 'setLineDash', args: [d], strokeStyle: null, fillStyle: null, dash });
  };
  // About the width of an 11 px sans-serif glyph: enough for layouts that make room for labels.
  ctx['measureText'] = (text: string) => ({ width: text.length * 6 });
  const count = (name: string) => calls.filter((c) => c.name === name).length;
  return { ctx: ctx as unknown as CanvasRenderingContext2D, calls, count };
}
