// SVG export: a copy of the drawn graph with the computed theme styles written as presentation
// attributes, so the file looks the same outside the webview (no CSS variables, no stylesheet).
import { EXPORTED_STYLE_PROPS, localUrl, normaliseColor } from './svgColors';

/** Serialises an SVG element with computed styles inlined as attributes; class/style/tabindex dropped. */
export function exportSvg(svg: SVGSVGElement, viewBox: { x: number; y: number; width: number; height: number }): string {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  const src = [svg, ...Array.from(svg.querySelectorAll('*'))];
  const dst = [clone, ...Array.from(clone.querySelectorAll('*'))];
  for (let i = 0; i < src.length; i++) {
    const cs = getComputedStyle(src[i]);
    const d = dst[i];
    for (const p of EXPORTED_STYLE_PROPS) {
      const raw = cs.getPropertyValue(p);
      if (!raw) continue;
      if (p === 'fill' || p === 'stroke') {
        const c = normaliseColor(raw);
        d.setAttribute(p, c.color);
        if (c.opacity !== undefined) d.setAttribute(`${p}-opacity`, String(c.opacity));
      } else if (p === 'marker-end') {
        if (raw !== 'none') d.setAttribute(p, localUrl(raw));
      } else if (p !== 'fill-opacity' && p !== 'stroke-opacity' || raw !== '1') {
        d.setAttribute(p, raw);
      }
    }
    d.removeAttribute('class');
    d.removeAttribute('style');
    d.removeAttribute('tabindex');
    d.removeAttribute('role');
    d.removeAttribute('focusable');
  }
  // the exported picture is the whole graph at scale 1, whatever the current zoom
  clone.querySelectorAll('g[data-viewport]').forEach((g) => {
    g.removeAttribute('transform');
    g.removeAttribute('data-viewport');
  });
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('viewBox', `${viewBox.x} ${viewBox.y} ${viewBox.width} ${viewBox.height}`);
  clone.setAttribute('width', String(Math.ceil(viewBox.width)));
  clone.setAttribute('height', String(Math.ceil(viewBox.height)));
  const bg = getComputedStyle(document.body).getPropertyValue('--vscode-editor-background') || 'white';
  const rect = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  rect.setAttribute('x', String(viewBox.x));
  rect.setAttribute('y', String(viewBox.y));
  rect.setAttribute('width', String(viewBox.width));
  rect.setAttribute('height', String(viewBox.height));
  rect.setAttribute('fill', normaliseColor(bg.trim()).color);
  clone.insertBefore(rect, clone.firstChild);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(clone)}\n`;
}
