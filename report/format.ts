/** Text helpers for the HTML report: escaping and numbers a person can read at a glance. */

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Three significant digits; scientific notation for very large or very small magnitudes. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e6 || magnitude < 1e-3) return value.toExponential(2);
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return String(Number(value.toPrecision(3)));
}

/** A data value (a quantile, an axis end): five significant digits, so 1410.3 and 1410.7 stay apart. */
export function formatDatum(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e9 || magnitude < 1e-4) return value.toExponential(4);
  return String(Number(value.toPrecision(5)));
}

/** A p-value: small ones in scientific notation, "< 1e-300" at the floor of what doubles hold. */
export function formatPValue(p: number): string {
  if (p < 1e-300) return '< 1e-300';
  return p < 1e-3 ? p.toExponential(1) : p.toFixed(3);
}

/** A share as a percentage with one decimal. */
export function formatPercent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

/** A signed change in percentage points. */
export function formatDeltaPoints(delta: number): string {
  const points = delta * 100;
  const text = Math.abs(points) < 0.05 ? '0.0' : points.toFixed(1);
  return `${points > 0 && text !== '0.0' ? '+' : ''}${text} pp`;
}
