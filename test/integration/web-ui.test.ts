import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AI4I_MODEL, AI4I_PARQUET, tempDir } from '../helpers/paths.js';
import { useTestTemporal } from '../helpers/temporal.js';
import { launchChromium, refreshUntil, screenshotOnFailure } from '../helpers/web-ui.js';

/**
 * A person in the dev server's real Temporal Web UI, in headless Chromium: starts a job from the Start
 * Workflow form by pasting a few lines of JSON, then finds it in the workflow list with search-attribute
 * filters and watches it complete.
 */
const t = useTestTemporal();
const output = tempDir('web-ui');
const workflowId = `ui-${path.basename(output)}`;
/** What a person pastes into the form's Data field: only the three fields without a default. */
const pastedSpec = { input: AI4I_PARQUET, model: AI4I_MODEL, output: path.join(output, 'job') };

let browser: Browser;
let page: Page;

beforeAll(async () => {
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.setDefaultTimeout(30_000);
  // Another job, same model, another dataset: the list must tell the two apart.
  const other = await t.env.client.startJob({
    input: path.join(AI4I_PARQUET, 'part-000.parquet'),
    model: AI4I_MODEL,
    output: path.join(output, 'other-job'),
  });
  await other.result();
});

afterAll(async () => {
  await browser?.close();
});

const workflowsUrl = () => `${t.server.uiUrl}/namespaces/${t.server.namespace}/workflows`;
const workflowTable = () => page.getByRole('table', { name: 'Workflows' });
/** The list row whose Workflow ID is exactly `id` (a job's partitions have ids that start with it). */
const rowOf = (id: string) =>
  workflowTable()
    .getByRole('row')
    .filter({ has: page.getByRole('link', { name: id, exact: true }) });

/** The list's own filter UI: Add Filter, pick the attribute, type the value, Apply. */
async function addFilter(attribute: string, type: string, value: string): Promise<void> {
  await page.getByRole('button', { name: 'Add Filter' }).click();
  await page.getByRole('menuitem', { name: `${attribute} ${type}` }).click();
  await page.getByRole('textbox', { name: 'Value' }).fill(value);
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.getByRole('button', { name: `${attribute} = "${value}"` }).waitFor();
  await page.waitForURL((url) =>
    (url.searchParams.get('query') ?? '').includes(`\`${attribute}\`="${value}"`),
  );
}

/** The Workflow ID column of the rows the list shows now. */
async function listedWorkflowIds(): Promise<string[]> {
  const headers = await workflowTable().getByRole('columnheader').allTextContents();
  const column = headers.map((header) => header.trim()).indexOf('Workflow ID');
  const rows = await workflowTable()
    .getByRole('row')
    .filter({ has: page.getByRole('cell') })
    .all();
  return Promise.all(
    rows.map(async (row) => ((await row.getByRole('cell').nth(column).textContent()) ?? '').trim()),
  );
}

describe('the Temporal Web UI', () => {
  it('starts a job from the Start Workflow form with pasted JSON', async ({ onTestFailed }) => {
    screenshotOnFailure(onTestFailed, page, path.join(output, 'start-workflow-failure.png'));
    await page.goto(workflowsUrl());
    await page.getByRole('link', { name: 'Start Workflow' }).click();
    await page.getByRole('heading', { name: 'Start Workflow' }).waitFor();

    await page.getByRole('textbox', { name: 'Workflow ID' }).fill(workflowId);
    await page.getByRole('textbox', { name: 'Task Queue' }).fill(t.env.taskQueue);
    await page.getByRole('textbox', { name: 'Workflow Type' }).fill('scoreJob');
    await page.getByRole('textbox', { name: 'Data' }).fill(JSON.stringify(pastedSpec, null, 2));
    await page.getByRole('button', { name: 'Start Workflow' }).click();
    await page.getByRole('link', { name: 'Workflow started successfully' }).waitFor();

    const started = await t.env.client.client.workflow.getHandle(workflowId).describe();
    expect(started.type).toBe('scoreJob');
    expect(started.taskQueue).toBe(t.env.taskQueue);
  });

  it('finds the job by its search attributes and shows it Completed', async ({ onTestFailed }) => {
    screenshotOnFailure(onTestFailed, page, path.join(output, 'workflow-list-failure.png'));
    await page.goto(workflowsUrl());
    await addFilter('BatchScoreModel', 'Keyword', 'ai4i-failure-hgb');
    await addFilter('BatchScoreDataset', 'Keyword', AI4I_PARQUET);

    await refreshUntil(
      page,
      async () => (await rowOf(workflowId).getByText('Completed', { exact: true }).count()) === 1,
      { what: `${workflowId} to show as Completed in the filtered list` },
    );
    // The other job scored the same model on another dataset: the dataset filter leaves it out.
    expect(await listedWorkflowIds()).toEqual([workflowId]);

    await addFilter('BatchScoreStatus', 'Keyword', 'completed');
    await refreshUntil(page, async () => (await listedWorkflowIds()).join() === workflowId, {
      what: `only ${workflowId} under BatchScoreStatus = "completed"`,
    });
    await page.screenshot({ path: path.join(output, 'workflow-list-completed.png'), fullPage: true });
  });

  it("shows the job's input, result and details on its page", async ({ onTestFailed }) => {
    screenshotOnFailure(onTestFailed, page, path.join(output, 'workflow-page-failure.png'));
    await rowOf(workflowId).getByRole('link', { name: workflowId, exact: true }).click();
    const main = page.getByRole('main');
    await main.getByRole('status').filter({ hasText: 'Completed' }).waitFor();
    // The payloads load after the status. CodeMirror renders the lines in view: the pasted input whole,
    // the result's first lines.
    const input = main.getByRole('textbox', { name: 'Input' }).filter({ hasText: '"input"' });
    const result = main.getByRole('textbox', { name: 'Result' }).filter({ hasText: '"rowsScored"' });
    expect(JSON.parse((await input.textContent()) ?? '')).toEqual(pastedSpec);
    expect(await result.textContent()).toMatch(
      /"status": "completed",\s*"rowsIn": 10000,\s*"rowsScored": 10000,/,
    );

    // The job's "current details" (Markdown the workflow sets), which the UI renders in a frame.
    await main.getByRole('tab', { name: 'User Metadata' }).click();
    const details = main.locator('iframe').contentFrame();
    await details.getByText('rows scored: 10,000, rows in failed shards: 0').waitFor();
    await details.getByText(/^drift: no drift/).waitFor();
    await page.screenshot({ path: path.join(output, 'workflow-page.png'), fullPage: true });

    const summary = await t.env.client.getJob(workflowId).result();
    expect(summary).toMatchObject({ status: 'completed', rowsIn: 10_000, rowsScored: 10_000, rowsFailed: 0 });
    expect(existsSync(path.join(pastedSpec.output, 'manifest.json'))).toBe(true);
    expect(
      readdirSync(path.join(pastedSpec.output, 'predictions')).filter((f) => f.endsWith('.parquet')),
    ).toHaveLength(summary.shards.done);
  });
});
