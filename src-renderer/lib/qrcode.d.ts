// The one function of qrcode (1.5.4) the monitor uses, typed here rather than by @types/qrcode:
// that package references Node's types, and importing it would bring them into the web type
// check, where src-shared could then use Buffer or process unnoticed.
declare module 'qrcode' {
  /** The symbol's modules, quiet zone not included: get() is 1 for a dark module. */
  interface QRCodeModules {
    readonly size: number;
    get(row: number, col: number): number;
  }
  export function create(
    text: string,
    options?: { readonly errorCorrectionLevel?: 'L' | 'M' | 'Q' | 'H' },
  ): { readonly modules: QRCodeModules };
}
