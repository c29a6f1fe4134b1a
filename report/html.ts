import type { ColumnDrift, DriftReport } from '../domain/drift/report.js';
import type { TestName } from '../domain/drift/policy.js';
import { chartSvg } from './charts.js';
import {
  escapeHtml,
  formatDatum,
  formatDeltaPoints,
  formatNumber,
  formatPercent,
  formatPValue,
} from './format.js';

/**
 * report.html: one self-contained file (inline CSS and SVG, no script, nothing fetched) rendered from the
 * same object as report.json. The verdict comes first, then the features sorted by drift score with the
 * test that decided, its value and threshold, and a chart of reference against current; then the
 * prediction, missing values and infinities, and how the numbers were made.
 */
export function renderDriftReport(report: DriftReport): string {
  const title = report.job
    ? `Drift report: ${report.job.model.name} ${report.job.model.version}`
    : 'Drift report';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${verdictSection(report)}
${featureSection(report)}
${predictionSection(report)}
${missingSection(report)}
${aboutSection(report)}
</body>
</html>
`;
}

const TEST_LABELS: Record<TestName, string> = {
  ks: 'Kolmogorov-Smirnov p-value',
  chisquare: 'chi-square p-value',
  z: 'z-test p-value',
  wasserstein: 'Wasserstein distance (normed)',
  jensenshannon: 'Jensen-Shannon distance',
  psi: 'PSI',
};

function verdictSection(report: DriftReport): string {
  const d = report.dataset;
  const headline = {
    drift: 'Dataset drift detected',
    no_drift: 'No dataset drift',
    no_reference: 'No reference to compare with',
    no_data: 'Nothing to compare',
  }[report.verdict];
  const cls = { drift: 'bad', no_drift: 'good', no_reference: 'none', no_data: 'none' }[report.verdict];
  const lines: string[] = [];
  if (report.reason) lines.push(escapeHtml(report.reason));
  if (report.verdict === 'drift' || report.verdict === 'no_drift') {
    lines.push(
      `<strong>${d.drifted} of ${d.tested}</strong> features drifted (${formatPercent(d.shareDrifted)}); ` +
        `the dataset drifts at ${formatPercent(d.driftShare)}.`,
    );
    const drifted = sortByScore(report.features).filter((f) => f.drifted);
    if (drifted.length > 0)
      lines.push(`Drifted: ${drifted.map((f) => `<code>${escapeHtml(f.column)}</code>`).join(', ')}.`);
  }
  const p = report.prediction;
  if (p?.test)
    lines.push(
      `Prediction (<code>${escapeHtml(p.column)}</code>): ${p.drifted ? '<strong>drifted</strong>' : 'no drift'} ` +
        `(${TEST_LABELS[p.test.name]} ${formatValue(p)}, threshold ${formatNumber(p.test.threshold)}).`,
    );
  const missing = report.features.filter((f) => f.missing.alert);
  if (missing.length > 0)
    lines.push(
      `Missing rate changed: ${missing
        .map((f) => `<code>${escapeHtml(f.column)}</code> ${formatDeltaPoints(f.missing.delta)}`)
        .join(', ')}.`,
    );
  const infinite = report.features.filter((f) => f.infinite.alert);
  if (infinite.length > 0)
    lines.push(
      `Infinite values: ${infinite
        .map((f) => `<code>${escapeHtml(f.column)}</code> ${f.infinite.current.toLocaleString('en-US')} rows`)
        .join(', ')}.`,
    );
  return `<header class="verdict ${cls}" id="verdict">
<h1>${headline}</h1>
${lines.map((l) => `<p>${l}</p>`).join('\n')}
<p class="meta">${metaLine(report)}</p>
</header>`;
}

function metaLine(report: DriftReport): string {
  const parts: string[] = [];
  if (report.job)
    parts.push(
      `job <code>${escapeHtml(report.job.id)}</code> (${escapeHtml(report.job.status)})`,
      `model ${escapeHtml(report.job.model.name)} ${escapeHtml(report.job.model.version)}`,
    );
  if (report.reference) parts.push(`reference: ${report.reference.rows.toLocaleString('en-US')} rows`);
  parts.push(`current: ${report.current.rows.toLocaleString('en-US')} rows`);
  if (report.job) parts.push(escapeHtml(report.job.generatedAt));
  return parts.join(' · ');
}

function featureSection(report: DriftReport): string {
  if (report.features.length === 0) return '';
  const rows = sortByScore(report.features).map((f, i) => columnRow(f, i + 1));
  return `<section>
<h2>Features, most drifted first</h2>
${legend()}
<table id="features">
<thead><tr><th>#</th><th>Feature</th><th>Reference vs current</th><th>Test</th><th class="num">Value</th><th class="num">Threshold</th><th>Drift</th><th class="num">Score</th><th>Other metrics</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
</section>`;
}

function predictionSection(report: DriftReport): string {
  if (!report.prediction) return '';
  return `<section>
<h2>Prediction</h2>
<table id="prediction">
<thead><tr><th>#</th><th>Column</th><th>Reference vs current</th><th>Test</th><th class="num">Value</th><th class="num">Threshold</th><th>Drift</th><th class="num">Score</th><th>Other metrics</th></tr></thead>
<tbody>
${columnRow(report.prediction, 1)}
</tbody>
</table>
</section>`;
}

function columnRow(f: ColumnDrift, rank: number): string {
  const chart = f.chart ? chartSvg(f.chart, f.column) : '<span class="muted">no chart</span>';
  const test = f.test;
  const badge = test
    ? f.drifted
      ? '<span class="badge bad">drifted</span>'
      : '<span class="badge good">ok</span>'
    : `<span class="badge none">${escapeHtml(STATUS_TEXT[f.status])}</span>`;
  return `<tr class="${f.drifted ? 'drifted' : ''}">
<td class="num">${rank}</td>
<td><code>${escapeHtml(f.column)}</code>${f.categorical ? ' <span class="muted">categorical</span>' : ''}</td>
<td>${chart}</td>
<td>${test ? `${TEST_LABELS[test.name]}${test.chosenBy === 'configured' ? ' <span class="muted">(configured)</span>' : ''}` : '–'}</td>
<td class="num">${test ? formatValue(f) : '–'}</td>
<td class="num">${test ? `${test.kind === 'p_value' ? '&lt; ' : '&ge; '}${formatNumber(test.threshold)}` : '–'}</td>
<td>${badge}</td>
<td class="num">${test ? formatNumber(f.score) : '–'}</td>
<td class="small">${otherMetrics(f)}</td>
</tr>`;
}

const STATUS_TEXT: Record<ColumnDrift['status'], string> = {
  ok: 'ok',
  no_reference_values: 'no reference values',
  no_current_values: 'no current values',
  no_sketch: 'not comparable',
};

function formatValue(f: ColumnDrift): string {
  const test = f.test!;
  return test.kind === 'p_value' ? formatPValue(test.value) : formatNumber(test.value);
}

function otherMetrics(f: ColumnDrift): string {
  const m = f.metrics;
  const parts: string[] = [];
  if (m.ks) {
    const bound =
      m.ks.statisticUpperBound > m.ks.statistic ? `–${formatNumber(m.ks.statisticUpperBound)}` : '';
    parts.push(`KS D ${formatNumber(m.ks.statistic)}${bound} (p ${formatPValue(m.ks.pValue)})`);
  }
  if (m.wasserstein)
    parts.push(
      `W ${formatNumber(m.wasserstein.normed)} σ${m.wasserstein.normedBound > 0 ? ` ±${formatNumber(m.wasserstein.normedBound)}` : ''}`,
    );
  if (m.psi !== null) parts.push(`PSI ${formatNumber(m.psi)}`);
  if (m.jensenShannon !== null) parts.push(`JS ${formatNumber(m.jensenShannon)}`);
  if (m.chiSquare)
    parts.push(`χ² ${formatNumber(m.chiSquare.statistic)} (p ${formatPValue(m.chiSquare.pValue)})`);
  if (m.zTest) parts.push(`z ${formatNumber(m.zTest.statistic)} (p ${formatPValue(m.zTest.pValue)})`);
  const q = (side: ColumnDrift['reference']) =>
    side.quantiles
      ? `${formatDatum(side.quantiles.p50)} [${formatDatum(side.quantiles.p25)}, ${formatDatum(side.quantiles.p75)}]`
      : '–';
  parts.push(`median [IQR] ref ${q(f.reference)}, cur ${q(f.current)}`);
  if (f.unseen && f.unseen.rows > 0)
    parts.push(
      `<strong>${f.unseen.rows.toLocaleString('en-US')} row${f.unseen.rows === 1 ? '' : 's'} with values the reference never had</strong> (${f.unseen.values
        .slice(0, 5)
        .map((v) => formatDatum(v))
        .join(', ')}${f.unseen.values.length > 5 ? ', …' : ''})`,
    );
  return parts.join('<br>');
}

function missingSection(report: DriftReport): string {
  if (report.features.length === 0) return '';
  const listed = report.features.filter(
    (f) => f.reference.missing + f.current.missing + f.reference.infinities + f.current.infinities > 0,
  );
  const rows = listed.map(
    (f) => `<tr class="${f.missing.alert || f.infinite.alert ? 'drifted' : ''}">
<td><code>${escapeHtml(f.column)}</code></td>
<td class="num">${formatPercent(f.missing.reference)}</td>
<td class="num">${formatPercent(f.missing.current)}</td>
<td class="num">${formatDeltaPoints(f.missing.delta)}</td>
<td>${f.missing.alert ? '<span class="badge bad">changed</span>' : '<span class="badge good">ok</span>'}</td>
<td class="num">${f.infinite.reference.toLocaleString('en-US')}</td>
<td class="num">${f.infinite.current.toLocaleString('en-US')}</td>
<td>${f.infinite.alert ? '<span class="badge bad">new</span>' : ''}</td>
</tr>`,
  );
  const threshold = formatDeltaPoints(report.options.missingRateDelta).replace('+', '');
  return `<section>
<h2>Missing values and infinities</h2>
<p class="muted">Missing = null or NaN. A change of more than ${threshold} is flagged. Infinite values are counted apart and kept out of every statistic.${
    listed.length < report.features.length
      ? ` ${report.features.length - listed.length} of ${report.features.length} features have no missing or infinite values on either side and are not listed.`
      : ''
  }</p>
${
  listed.length === 0
    ? ''
    : `<table id="missing">
<thead><tr><th>Feature</th><th class="num">Missing (ref)</th><th class="num">Missing (cur)</th><th class="num">Change</th><th></th><th class="num">Infinite (ref)</th><th class="num">Infinite (cur)</th><th></th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>`
}
</section>`;
}

function aboutSection(report: DriftReport): string {
  const o = report.options;
  const configured = Object.entries(o.columns);
  const items = [
    `Reference: ${report.reference ? `${escapeHtml(report.reference.source)} (${report.reference.rows.toLocaleString('en-US')} rows, profile ${escapeHtml(report.reference.profileId)})` : 'none'}.`,
    `Test per feature (Evidently's defaults): a reference of at most ${o.smallReferenceRows.toLocaleString('en-US')} values uses Kolmogorov-Smirnov (more than 5 distinct values), chi-square (3 to 5) or a z-test (1 or 2), drifting at p &lt; 0.05; larger references use the Wasserstein distance normed by the reference standard deviation (more than 5 distinct values) or the Jensen-Shannon distance, drifting at &ge; 0.1. Distances, not p-values, for large data: with enough rows every p-value is tiny.`,
    `The dataset drifts when ${formatPercent(o.driftShare)} of the tested features drift. The score is how far past its threshold a test is (1 = at the threshold).`,
    ...configured.map(
      ([column, c]) =>
        `Configured for <code>${escapeHtml(column)}</code>: ${c.test ? TEST_LABELS[c.test] : 'default test'}${c.threshold !== undefined ? `, threshold ${formatNumber(c.threshold)}` : ''}.`,
    ),
    ...report.notes.map((n) => escapeHtml(n)),
  ];
  return `<section class="about">
<h2>How this report was made</h2>
<ul>
${items.map((i) => `<li>${i}</li>`).join('\n')}
</ul>
<p class="muted">batch-score drift report, schema ${report.schemaVersion}. The same numbers are in report.json.</p>
</section>`;
}

function legend(): string {
  return `<p class="legend"><span class="swatch ref"></span> reference <span class="swatch cur"></span> current (share of values per bin; the central 99% of both is drawn)</p>`;
}

function sortByScore(columns: readonly ColumnDrift[]): ColumnDrift[] {
  return [...columns].sort((a, b) => b.score - a.score || Number(b.test !== null) - Number(a.test !== null));
}

const STYLE = `
:root { --bad: #b42318; --bad-bg: #fef3f2; --good: #067647; --good-bg: #ecfdf3; --none: #475467; --none-bg: #f2f4f7;
  --ref: #98a2b3; --cur: #1570ef; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #101828; }
body { margin: 0 auto; max-width: 1280px; padding: 24px; line-height: 1.45; }
h1 { margin: 0 0 8px; font-size: 28px; }
h2 { font-size: 18px; margin: 32px 0 8px; }
.verdict { border-radius: 12px; padding: 20px 24px; border: 1px solid; }
.verdict p { margin: 4px 0; }
.verdict.bad { background: var(--bad-bg); border-color: var(--bad); }
.verdict.bad h1 { color: var(--bad); }
.verdict.good { background: var(--good-bg); border-color: var(--good); }
.verdict.good h1 { color: var(--good); }
.verdict.none { background: var(--none-bg); border-color: var(--none); }
.meta, .muted { color: #667085; font-size: 13px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #eaecf0; vertical-align: middle; }
th { background: #f9fafb; font-weight: 600; position: sticky; top: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.small { font-size: 12px; color: #475467; }
tr.drifted { background: #fffbfa; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 13px; }
.badge { display: inline-block; border-radius: 999px; padding: 1px 10px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.badge.bad { background: var(--bad-bg); color: var(--bad); }
.badge.good { background: var(--good-bg); color: var(--good); }
.badge.none { background: var(--none-bg); color: var(--none); }
svg.chart { display: block; }
svg.chart .ref { fill: var(--ref); opacity: 0.55; }
svg.chart .cur { fill: none; stroke: var(--cur); stroke-width: 1.6; }
svg.chart .curbar { fill: var(--cur); opacity: 0.8; }
svg.chart .base { stroke: #d0d5dd; }
svg.chart .axis { font-size: 10px; fill: #667085; }
.legend { font-size: 13px; color: #475467; }
.swatch { display: inline-block; width: 14px; height: 10px; margin: 0 4px 0 12px; vertical-align: middle; }
.swatch.ref { background: var(--ref); opacity: 0.55; }
.swatch.cur { border: 2px solid var(--cur); height: 6px; }
.about li { margin: 4px 0; }
@media print { th { position: static; } }
`;
