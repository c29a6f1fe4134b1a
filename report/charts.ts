import type { Chart } from '../domain/drift/report.js';
import { escapeHtml, formatDatum } from './format.js';

/** Size of the small chart drawn in each table row. */
const WIDTH = 240;
const HEIGHT = 64;
const PAD = 2;

/**
 * Reference (grey bars) against current (blue outline) as inline SVG: no script, no external file, so the
 * report opens offline and prints as it looks.
 */
export function chartSvg(chart: Chart, label: string): string {
  const body = chart.kind === 'histogram' ? histogramBody(chart) : categoryBody(chart);
  const caption =
    chart.kind === 'histogram'
      ? `${formatDatum(chart.edges[0])} to ${formatDatum(chart.edges[chart.edges.length - 1])}`
      : `${chart.labels.length} value${chart.labels.length === 1 ? '' : 's'}: ${chart.labels[0]}${chart.labels.length > 1 ? ` to ${chart.labels[chart.labels.length - 1]}` : ''}`;
  return (
    `<svg class="chart" role="img" width="${WIDTH}" height="${HEIGHT + 14}" viewBox="0 0 ${WIDTH} ${HEIGHT + 14}" ` +
    `aria-label="${escapeHtml(`${label}: reference (grey) and current (blue) distributions`)}">` +
    `<title>${escapeHtml(label)}</title>${body}` +
    `<text x="${PAD}" y="${HEIGHT + 12}" class="axis">${escapeHtml(caption)}</text></svg>`
  );
}

function histogramBody(chart: Extract<Chart, { kind: 'histogram' }>): string {
  const n = chart.reference.length;
  const top = Math.max(...chart.reference, ...chart.current, 1e-12);
  const barWidth = (WIDTH - 2 * PAD) / n;
  const y = (share: number) => HEIGHT - (share / top) * (HEIGHT - PAD);
  const bars = chart.reference
    .map((share, i) => rect(PAD + i * barWidth, y(share), barWidth, HEIGHT - y(share), 'ref'))
    .join('');
  // The current distribution as a step outline over the same bins.
  let path = `M${PAD},${HEIGHT}`;
  chart.current.forEach((share, i) => {
    path += `L${fixed(PAD + i * barWidth)},${fixed(y(share))}L${fixed(PAD + (i + 1) * barWidth)},${fixed(y(share))}`;
  });
  path += `L${WIDTH - PAD},${HEIGHT}`;
  return `${bars}<path class="cur" d="${path}"/>${baseline()}`;
}

function categoryBody(chart: Extract<Chart, { kind: 'categories' }>): string {
  const n = Math.max(chart.labels.length, 1);
  const top = Math.max(...chart.reference, ...chart.current, 1e-12);
  // Slots no wider than a few bars' worth, so one or two categories do not fill the whole chart.
  const slot = Math.min((WIDTH - 2 * PAD) / n, 40);
  const bar = Math.max(1, slot * 0.4);
  const h = (share: number) => (share / top) * (HEIGHT - PAD);
  const bars = chart.labels
    .map((_, i) => {
      const x = PAD + i * slot + slot * 0.1;
      return (
        rect(x, HEIGHT - h(chart.reference[i]!), bar, h(chart.reference[i]!), 'ref') +
        rect(x + bar, HEIGHT - h(chart.current[i]!), bar, h(chart.current[i]!), 'curbar')
      );
    })
    .join('');
  return `${bars}${baseline()}`;
}

function rect(x: number, y: number, width: number, height: number, cls: string): string {
  return `<rect class="${cls}" x="${fixed(x)}" y="${fixed(y)}" width="${fixed(width)}" height="${fixed(Math.max(0, height))}"/>`;
}

function baseline(): string {
  return `<line class="base" x1="${PAD}" y1="${HEIGHT}" x2="${WIDTH - PAD}" y2="${HEIGHT}"/>`;
}

function fixed(v: number): string {
  return v.toFixed(1);
}
