/** Saves a blob as a file (a download). */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function saveText(text: string, name: string, type: string): void {
  saveBlob(new Blob([text], { type }), name);
}

/**
 * An SVG chart as a PNG: serialised, loaded as an image from a data: URL (the CSP allows data:
 * images), painted over `background` on a canvas at twice its size. The charts set their colours
 * as attributes, so the picture does not depend on the page's stylesheet.
 */
export function svgToPng(svg: SVGSVGElement, background: string): Promise<Blob> {
  const width = svg.clientWidth || Number(svg.getAttribute('width')) || 600;
  const height = svg.clientHeight || Number(svg.getAttribute('height')) || 240;
  const clone = svg.cloneNode(true) as SVGSVGElement;
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('width', String(width));
  clone.setAttribute('height', String(height));
  const text = new XMLSerializer().serializeToString(clone);
  const src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(text)}`;
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => {
      const scale = 2;
      const canvas = document.createElement('canvas');
      canvas.width = width * scale;
      canvas.height = height * scale;
      const ctx = canvas.getContext('2d');
      if (!ctx) {
        reject(new Error('no 2D canvas to draw the chart on'));
        return;
      }
      ctx.fillStyle = background;
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
      canvas.toBlob(
        (blob) => (blob ? resolve(blob) : reject(new Error('the chart could not be encoded'))),
        'image/png',
      );
    };
    img.onerror = () => reject(new Error('the chart could not be rendered as an image'));
    img.src = src;
  });
}

/** A file name stamp: 2025-01-31T12-30-00. */
export function stamp(date = new Date()): string {
  return date.toISOString().slice(0, 19).replaceAll(':', '-');
}
