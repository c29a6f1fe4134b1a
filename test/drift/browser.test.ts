import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetStats } from '../../activities/profile.js';
import { buildDriftReport } from '../../domain/drift/compare.js';
import type { DriftReport } from '../../domain/drift/report.js';
import { ModelSession } from '../../inference/model-session.js';
import { parseReferenceProfile, referenceFor } from '../../inference/reference-profile.js';
import { renderDriftReport } from '../../report/html.js';
import { storageFor } from '../../storage/index.js';
import { DATASETS, tempDir } from '../helpers/paths.js';
import { launchChromium } from '../helpers/web-ui.js';

/**
 * report.html in a real browser: headless Chromium (the Debian package, driven by playwright-core) opens
 * the file offline, with no console errors, no network request, the table and the charts drawn; a
 * screenshot is kept in the test output folder.
 */
const CMAPSS_MODEL = path.join(DATASETS, 'cmapss', 'model');

let browser: Browser;
const output = tempDir('drift-browser');

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

/** The C-MAPSS FD001 test set against the train reference: a report with drift, as a user gets it. */
async function cmapssReport(): Promise<DriftReport> {
  const model = await ModelSession.create(storageFor(CMAPSS_MODEL), CMAPSS_MODEL);
  try {
    const profile = parseReferenceProfile(
      CMAPSS_MODEL,
      readFileSync(path.join(CMAPSS_MODEL, 'reference_profile.json'), 'utf8'),
    );
    const side = referenceFor(profile);
    if (!('reference' in side) || profile.schemaVersion !== 2) throw new Error('no schema 2 profile');
    const input = path.join(DATASETS, 'cmapss', 'parquet', 'test');
    const current = await datasetStats(storageFor(input), input, model, {
      id: profile.id,
      columns: profile.binning,
    });
    return buildDriftReport({
      features: model.features,
      predictionColumn: 'prediction',
      current: current.stats,
      currentRows: current.rows,
      reference: side.reference,
    });
  } finally {
    await model.dispose();
  }
}

async function open(file: string) {
  const page = await browser.newPage({ viewport: { width: 1320, height: 900 } });
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning')
      problems.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('request', (request) => {
    if (!request.url().startsWith('file:')) problems.push(`network request: ${request.url()}`);
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return { page, problems };
}

describe('report.html in headless Chromium', () => {
  it('renders the verdict, the sorted table and every chart, offline and without errors', async () => {
    const report = await cmapssReport();
    const file = path.join(output, 'report.html');
    writeFileSync(file, renderDriftReport(report));
    const { page, problems } = await open(file);
    try {
      expect(await page.locator('#verdict h1').textContent()).toBe('Dataset drift detected');
      const rows = page.locator('#features tbody tr');
      expect(await rows.count()).toBe(17);
      const sorted = [...report.features].sort((a, b) => b.score - a.score);
      expect(await rows.first().locator('code').first().textContent()).toBe(sorted[0]!.column);

      const charts = page.locator('svg.chart');
      expect(await charts.count()).toBe(18); // 17 features and the prediction
      for (let i = 0; i < (await charts.count()); i++) {
        const chart = charts.nth(i);
        const box = await chart.boundingBox();
        expect(box!.width).toBeGreaterThan(100);
        expect(box!.height).toBeGreaterThan(40);
        expect(await chart.locator('rect').count()).toBeGreaterThan(0);
      }
      expect(await page.locator('#prediction tbody tr').count()).toBe(1);

      const screenshot = path.join(output, 'report.png');
      await page.screenshot({ path: screenshot, fullPage: true });
      expect(statSync(screenshot).size).toBeGreaterThan(50_000);
      console.log(`drift report screenshot: ${screenshot}`);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('renders a report without a reference just as cleanly', async () => {
    const report = buildDriftReport({
      features: ['a'],
      predictionColumn: 'prediction',
      current: {},
      currentRows: 10,
      reference: undefined,
    });
    const file = path.join(output, 'no-reference.html');
    writeFileSync(file, renderDriftReport(report));
    const { page, problems } = await open(file);
    try {
      expect(await page.locator('#verdict h1').textContent()).toBe('No reference to compare with');
      await page.screenshot({ path: path.join(output, 'no-reference.png'), fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
