import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../activities/finalize-job.js';
import { JobFailedError } from '../../client/index.js';
import type { DriftSummary } from '../../domain/drift-summary.js';
import { AZURITE_ACCOUNT } from '../../storage/azure-config.js';
import type { DevServer } from '../../temporal/dev-server.js';
import {
  blobNames,
  connectionStringFor,
  sdkContainer,
  startAzurite,
  uploadFolder,
  type Azurite,
} from '../helpers/azurite.js';
import { readNumericColumns } from '../helpers/golden.js';
import { AI4I_MODEL, AI4I_PARQUET, ROOT, tempDir } from '../helpers/paths.js';
import { startTestServer, startTestWorkers, type TestWorkers } from '../helpers/temporal.js';

/**
 * Jobs that read from and write to Azure Blob Storage (Azurite, started from node_modules), on a real Temporal
 * dev server with real workers. The workers find the account's endpoint and key the way production workers do:
 * AZURE_STORAGE_CONNECTION_STRING in their environment; job specs carry only az:// URIs.
 */
const AZ = `az://${AZURITE_ACCOUNT}`;
let azurite: Azurite;
let server: DevServer;
let env: TestWorkers;
let sensors: ContainerClient;
let results: ContainerClient;
const savedConnectionString = process.env.AZURE_STORAGE_CONNECTION_STRING;

beforeAll(async () => {
  azurite = await startAzurite();
  process.env.AZURE_STORAGE_CONNECTION_STRING = azurite.connectionString;
  [server] = await Promise.all([
    startTestServer(),
    (async () => {
      sensors = sdkContainer(azurite.blobEndpoint, 'sensors');
      await uploadFolder(sensors, AI4I_PARQUET, 'ai4i');
      await uploadFolder(sdkContainer(azurite.blobEndpoint, 'models'), AI4I_MODEL, 'ai4i');
      results = sdkContainer(azurite.blobEndpoint, 'results');
      await results.create();
    })(),
  ]);
  env = await startTestWorkers(server);
});

afterAll(async () => {
  await env?.stop();
  await server?.stop();
  await azurite?.stop();
  if (savedConnectionString === undefined) delete process.env.AZURE_STORAGE_CONNECTION_STRING;
  else process.env.AZURE_STORAGE_CONNECTION_STRING = savedConnectionString;
});

async function download(container: ContainerClient, name: string): Promise<Buffer> {
  return container.getBlockBlobClient(name).downloadToBuffer();
}

describe('a job reading from and writing to Azurite, with the model in Azurite too', () => {
  const output = `${AZ}/results/ai4i-run`;
  let summary: Awaited<ReturnType<Awaited<ReturnType<TestWorkers['client']['startJob']>>['result']>>;

  beforeAll(async () => {
    const job = await env.client.startJob({
      input: `${AZ}/sensors/ai4i`,
      model: `${AZ}/models/ai4i`,
      output,
      shardRows: 2000,
      concurrency: 3,
    });
    summary = await job.result();
  });

  it('scores all 10,000 rows', () => {
    expect(summary).toMatchObject({
      status: 'completed',
      rowsIn: 10_000,
      rowsScored: 10_000,
      rowsFailed: 0,
      shards: { planned: 8, done: 8, failed: 0 },
      model: { folder: `${AZ}/models/ai4i`, name: 'ai4i-failure-hgb' },
      output: { manifest: `${output}/manifest.json`, driftReport: `${output}/drift/report.json` },
    });
    expect(summary.drift.verdict).toBe('no_drift');
  });

  it('writes a manifest in Azurite whose parts exist with the recorded sizes and checksums', async () => {
    const manifest = JSON.parse((await download(results, 'ai4i-run/manifest.json')).toString()) as Manifest;
    expect(manifest.totals).toMatchObject({
      rowsIn: 10_000,
      rowsScored: 10_000,
      files: 4,
      shards: 8,
      parts: 8,
    });
    expect(manifest.driftReport).toBe('drift/report.json');
    expect(manifest.files.map((f) => f.uri)).toEqual(
      [0, 1, 2, 3].map((i) => `${AZ}/sensors/ai4i/part-00${i}.parquet`),
    );
    for (const part of manifest.parts) {
      expect(part.path).toMatch(/^predictions\/part-[^/]+\.parquet$/);
      const bytes = await download(results, `ai4i-run/${part.path}`);
      expect(bytes.length).toBe(part.bytes);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(part.sha256);
    }
  });

  it('writes predictions equal to the training framework, row for row, read back from Azurite', async () => {
    const parts = (await blobNames(results, 'ai4i-run/predictions/')).filter((n) => n.endsWith('.parquet'));
    expect(parts).toHaveLength(8);
    const rows = new Map<number, { prediction: number; probability: number }>();
    for (const part of parts) {
      const columns = await readNumericColumns(`${AZ}/results/${part}`);
      columns.UDI!.forEach((udi, i) => {
        rows.set(udi, { prediction: columns.prediction![i]!, probability: columns.probability![i]! });
      });
    }
    expect(rows.size).toBe(10_000);
    const expected = await readNumericColumns(path.join(AI4I_MODEL, 'expected.parquet'));
    let maxDiff = 0;
    expected.UDI!.forEach((udi, i) => {
      const row = rows.get(udi)!;
      expect(row.prediction).toBe(expected.label![i]);
      maxDiff = Math.max(maxDiff, Math.abs(row.probability - expected.probability_1![i]!));
    });
    expect(maxDiff).toBeLessThanOrEqual(1e-5);
  });

  it('writes the drift report, and no hidden or temporary blobs', async () => {
    const report = JSON.parse(
      (await download(results, 'ai4i-run/drift/report.json')).toString(),
    ) as DriftSummary;
    expect(report.verdict).toBe('no_drift');
    const names = await blobNames(results, 'ai4i-run/');
    expect(names.filter((n) => n.split('/').some((segment) => segment.startsWith('.')))).toEqual([]);
  });
});

describe('a glob over Azurite with a local model', () => {
  it('scores only the matching blobs', async () => {
    const job = await env.client.startJob({
      input: `${AZ}/sensors/ai4i/part-00{0,2}.parquet`,
      model: AI4I_MODEL,
      output: `${AZ}/results/glob-run`,
    });
    const summary = await job.result();
    expect(summary).toMatchObject({ status: 'completed', rowsIn: 5_000, rowsScored: 5_000 });
    const manifest = JSON.parse((await download(results, 'glob-run/manifest.json')).toString()) as Manifest;
    expect(manifest.files.map((f) => f.uri)).toEqual([
      `${AZ}/sensors/ai4i/part-000.parquet`,
      `${AZ}/sensors/ai4i/part-002.parquet`,
    ]);
  });
});

/** The history as text, payloads decoded, to search it for secrets. */
function historyText(history: unknown): string {
  return JSON.stringify(history, (_key, value: unknown) =>
    value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : value,
  );
}

describe('failures with clear errors and nothing written', () => {
  it('wrong credentials: StorageAccessError naming account and container; no secret in the error or the history', async () => {
    const wrongKey = randomBytes(64).toString('base64');
    process.env.AZURE_STORAGE_CONNECTION_STRING = connectionStringFor(azurite.blobEndpoint, wrongKey);
    try {
      const job = await env.client.startJob({
        input: `${AZ}/sensors/ai4i`,
        model: AI4I_MODEL,
        output: `${AZ}/results/denied-run`,
      });
      const error = (await job.result().catch((e: unknown) => e)) as JobFailedError;
      expect(error).toBeInstanceOf(JobFailedError);
      expect(error.type).toBe('StorageAccessError');
      expect(error.message).toContain(`access denied (HTTP 403 AuthorizationFailure`);
      expect(error.message).toContain(`storage account "${AZURITE_ACCOUNT}", container "sensors"`);
      expect(error.message).toContain('using AZURE_STORAGE_CONNECTION_STRING (AccountKey)');
      expect(error.message).not.toContain(wrongKey);
      const history = historyText(await job.workflow.fetchHistory());
      expect(history).toContain('StorageAccessError');
      expect(history).not.toContain(wrongKey);
      expect(history).not.toContain(azurite.connectionString.split('AccountKey=')[1]!.split(';')[0]);
    } finally {
      process.env.AZURE_STORAGE_CONNECTION_STRING = azurite.connectionString;
    }
    expect(await blobNames(results, 'denied-run/')).toEqual([]);
  });

  it('a missing input container: InputNotFoundError naming the account and container', async () => {
    const job = await env.client.startJob({
      input: `${AZ}/no-such-input/data`,
      model: AI4I_MODEL,
      output: `${AZ}/results/missing-input-run`,
    });
    const error = (await job.result().catch((e: unknown) => e)) as JobFailedError;
    expect(error.type).toBe('InputNotFoundError');
    expect(error.message).toContain(
      `container "no-such-input" does not exist in storage account "${AZURITE_ACCOUNT}"`,
    );
    expect(await blobNames(results, 'missing-input-run/')).toEqual([]);
  });

  it('a missing output container: StorageAccessError before anything is scored; no container is created', async () => {
    const job = await env.client.startJob({
      input: `${AZ}/sensors/ai4i/part-000.parquet`,
      model: AI4I_MODEL,
      output: `${AZ}/no-such-output/run`,
    });
    const error = (await job.result().catch((e: unknown) => e)) as JobFailedError;
    expect(error.type).toBe('StorageAccessError');
    expect(error.message).toContain(
      `container "no-such-output" does not exist in storage account "${AZURITE_ACCOUNT}"`,
    );
    expect(error.message).toContain('create it first');
    expect(await sdkContainer(azurite.blobEndpoint, 'no-such-output').exists()).toBe(false);
  });
});

describe('a worker killed in the middle of an upload', () => {
  it('leaves nothing under the final name (its staged blocks stay invisible)', async () => {
    // A separate process, so it can really die mid-part: it stages three 64 KiB blocks, says so, and waits.
    const script = `
      import { AzureBlobStorage } from ${JSON.stringify(pathToFileURL(path.join(ROOT, 'dist', 'storage', 'azure.js')).href)};
      const sink = await new AzureBlobStorage({ blockSize: 64 * 1024 }).createSink(process.env.TARGET);
      await sink.write(Buffer.alloc(3 * 64 * 1024 + 100, 7));
      process.stdout.write('staged\\n');
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, TARGET: `${AZ}/results/killed/predictions/part-0.parquet` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('staged') && resolve());
      child.once('exit', (code) => reject(new Error(`child exited with ${code} before staging:\n${stderr}`)));
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;

    expect(await blobNames(results, 'killed/')).toEqual([]);
    const blocks = await results
      .getBlockBlobClient('killed/predictions/part-0.parquet')
      .getBlockList('uncommitted');
    expect(blocks.uncommittedBlocks).toHaveLength(3);
  });
});

describe('batch-score score --input az://... --output az://...', () => {
  it('works against Azurite with only AZURE_STORAGE_CONNECTION_STRING set, as the README says', () => {
    const result = spawnSync(
      process.execPath,
      [
        path.join(ROOT, 'bin', 'batch-score.js'),
        'score',
        '--input',
        `${AZ}/sensors/ai4i`,
        '--model',
        AI4I_MODEL,
        '--output',
        `${AZ}/results/cli-run`,
        '--json',
      ],
      {
        encoding: 'utf8',
        timeout: 180_000,
        env: {
          ...process.env,
          AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
          TEMPORAL_ADDRESS: '',
          BATCH_SCORE_DATA_DIR: tempDir('azure-cli-data'),
        },
      },
    );
    expect(result.status, result.stderr).toBe(0);
    const last = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(last).toMatchObject({
      status: 'completed',
      rowsIn: 10_000,
      rowsScored: 10_000,
      output: { manifest: `${AZ}/results/cli-run/manifest.json` },
    });
  });
});
