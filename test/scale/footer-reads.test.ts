import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { mapBounded } from '../../activities/map-bounded.js';
import { planJob } from '../../activities/plan-job.js';
import type { PlanJobResult } from '../../domain/job.js';
import { ModelCache } from '../../inference/model-cache.js';
import { AzureClients } from '../../storage/azure-clients.js';
import { AZURITE_ACCOUNT } from '../../storage/azure-config.js';
import { AzureBlobStorage } from '../../storage/azure.js';
import { storageFor } from '../../storage/index.js';
import { RoutingStorage } from '../../storage/routing.js';
import { isAzureBlobUri } from '../../storage/azure-uri.js';
import { LocalStorage } from '../../storage/local.js';
import type { Storage } from '../../storage/storage.js';
import { connectionStringFor, sdkContainer, startAzurite } from '../helpers/azurite.js';
import { AI4I_MODEL, AI4I_PARQUET, tempDir } from '../helpers/paths.js';
import { writeSmallParquet } from './small-parquet.js';

/**
 * A measurement, not a test of speed: how long planning takes over many small files with footers read
 * one by one and N at once, on local disk, on Azurite, and on Azurite behind a proxy that adds a blob
 * round trip's latency to every request. Opt-in (FOOTER_READS_FILES=2000 npx vitest run
 * test/scale/footer-reads.test.ts); it asserts only that every setting plans the same.
 */
const FILES = Number(process.env.FOOTER_READS_FILES ?? 0);
const LATENCY_MS = Number(process.env.FOOTER_READS_LATENCY_MS ?? 20);
/** FOOTER_READS_TINY=1: files of ~5 KB (the footer read is then the whole cost) instead of 80 KB copies. */
const TINY = process.env.FOOTER_READS_TINY === '1';
const SETTINGS = [1, 4, 16, 64];
const models = new ModelCache(storageFor);
afterAll(() => models.dispose());

/** FILES copies of one AI4I part (2,500 rows, 3 row groups, 80 KB), or FILES tiny files, under distinct names. */
function localInput(): string {
  const dir = tempDir('footer-reads');
  const bytes = readFileSync(path.join(AI4I_PARQUET, 'part-000.parquet'));
  for (let i = 0; i < FILES; i++) {
    const file = path.join(dir, `part-${String(i).padStart(5, '0')}.parquet`);
    if (TINY) writeSmallParquet(file, 2, 50, i * 100 + 1);
    else writeFileSync(file, bytes);
  }
  return dir;
}

/** An HTTP proxy that holds every request `latencyMs` before passing it on. */
async function latencyProxy(target: string, latencyMs: number) {
  const to = new URL(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const counts = { requests: 0 };
  const server = http.createServer((req, res) => {
    counts.requests++;
    setTimeout(() => {
      const upstream = http.request(
        { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers, agent },
        (response) => {
          res.writeHead(response.statusCode ?? 502, response.headers);
          response.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    }, latencyMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    counts,
    blobEndpoint: `http://127.0.0.1:${port}${to.pathname}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function storageWith(connectionString: string): Storage {
  const azure = new AzureBlobStorage({
    clients: new AzureClients(() => ({ AZURE_STORAGE_CONNECTION_STRING: connectionString })),
  });
  const local = new LocalStorage();
  return new RoutingStorage((uri) => (isAzureBlobUri(uri) ? azure : local));
}

async function timePlan(storage: Storage, input: string, footerReads: number) {
  const output = tempDir('footer-reads-out');
  const started = performance.now();
  const result: PlanJobResult = await new MockActivityEnvironment().run(() =>
    planJob(
      () => storage,
      models,
      { jobId: 'measure', input, model: AI4I_MODEL, output, shardRows: 100_000 },
      {
        footerReads,
        hooks: { heartbeat: () => undefined },
      },
    ),
  );
  return { seconds: (performance.now() - started) / 1000, result };
}

describe.skipIf(FILES === 0)(`planning ${FILES} small files`, () => {
  it('plans the same with every footer concurrency; prints the time of each', async () => {
    const local = localInput();
    const azurite = await startAzurite();
    const proxy = await latencyProxy(azurite.blobEndpoint, LATENCY_MS);
    try {
      const container = sdkContainer(azurite.blobEndpoint, 'footers');
      await container.createIfNotExists();
      const names = readdirSync(local);
      await mapBounded(names, 32, (name) =>
        container.getBlockBlobClient(`in/${name}`).uploadData(readFileSync(path.join(local, name))),
      );
      const targets = [
        { name: 'local disk', storage: storageFor(local), input: local },
        {
          name: 'Azurite',
          storage: storageWith(azurite.connectionString),
          input: `az://${AZURITE_ACCOUNT}/footers/in`,
        },
        {
          name: `Azurite + ${LATENCY_MS} ms per request`,
          storage: storageWith(connectionStringFor(proxy.blobEndpoint)),
          input: `az://${AZURITE_ACCOUNT}/footers/in`,
        },
      ];
      const lines = [`| storage | ${SETTINGS.map((n) => `footerReads ${n}`).join(' | ')} |`];
      lines.push(`|---|${SETTINGS.map(() => '---:').join('|')}|`);
      for (const target of targets) {
        const cells: string[] = [];
        let reference: PlanJobResult | undefined;
        for (const n of SETTINGS) {
          const { seconds, result } = await timePlan(target.storage, target.input, n);
          const { planUri: _uri, ...summary } = result;
          if (reference) expect(summary).toEqual(reference);
          else reference = summary as PlanJobResult;
          expect(result.files).toBe(FILES);
          cells.push(`${seconds.toFixed(2)} s (${Math.round(FILES / seconds)} files/s)`);
        }
        lines.push(`| ${target.name} | ${cells.join(' | ')} |`);
      }
      lines.push(
        `requests per file through the proxy: ${(proxy.counts.requests / FILES / SETTINGS.length).toFixed(2)}`,
      );
      console.log(
        `planning ${FILES} files of ${TINY ? statSync(path.join(local, names[0]!)).size + ' bytes' : '80 KB'}:\n${lines.join('\n')}`,
      );
    } finally {
      await proxy.stop();
      await azurite.stop();
    }
  }, 1_800_000);
});
