import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { BlobServiceClient, StorageSharedKeyCredential, type ContainerClient } from '@azure/storage-blob';
import { AZURITE_ACCOUNT, AZURITE_KEY } from '../../storage/azure-config.js';
import { freePort } from '../../temporal/dev-server.js';
import { ROOT, tempDir } from './paths.js';

const AZURITE_BLOB = path.join(ROOT, 'node_modules', 'azurite', 'dist', 'src', 'blob', 'main.js');

export interface Azurite {
  port: number;
  /** Path-style endpoint of the development account: http://127.0.0.1:<port>/devstoreaccount1 */
  blobEndpoint: string;
  connectionString: string;
  stop(): Promise<void>;
}

/**
 * Azurite's blob service from node_modules (no Docker) on a free port, in memory. --skipApiVersionCheck because
 * the SDK speaks a newer API version than Azurite knows; --loose to ignore headers it does not implement.
 */
export async function startAzurite(): Promise<Azurite> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      AZURITE_BLOB,
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      String(port),
      '--skipApiVersionCheck',
      '--inMemoryPersistence',
      '--silent',
      '--loose',
      '--disableTelemetry',
    ],
    { cwd: tempDir('azurite'), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // Never outlive the test process, even when it dies without running afterAll.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  await listening(child, 'successfully listens');
  const blobEndpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  return {
    port,
    blobEndpoint,
    connectionString: connectionStringFor(blobEndpoint),
    stop: () => stopProcess(child),
  };
}

/** A connection string for the development account at `blobEndpoint` (Azurite, or a proxy in front of it). */
export function connectionStringFor(blobEndpoint: string, accountKey = AZURITE_KEY): string {
  return `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${accountKey};BlobEndpoint=${blobEndpoint};`;
}

/** The SDK directly, bypassing our storage code: the tests' independent view of what is in Azurite. */
export function sdkContainer(blobEndpoint: string, container: string): ContainerClient {
  return new BlobServiceClient(blobEndpoint, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY), {
    retryOptions: { maxTries: 1 },
  }).getContainerClient(container);
}

/** Creates the container and uploads every file of `folder` under `prefix/`. */
export async function uploadFolder(
  container: ContainerClient,
  folder: string,
  prefix: string,
): Promise<void> {
  await container.createIfNotExists();
  for (const name of readdirSync(folder)) {
    const bytes = readFileSync(path.join(folder, name));
    await container.getBlockBlobClient(`${prefix}/${name}`).uploadData(bytes);
  }
}

/** Every committed blob name under `prefix` (empty when the container does not exist). */
export async function blobNames(container: ContainerClient, prefix = ''): Promise<string[]> {
  if (!(await container.exists())) return [];
  const names: string[] = [];
  for await (const blob of container.listBlobsFlat({ prefix })) names.push(blob.name);
  return names;
}

export interface ProxiedRequest {
  method: string;
  url: string;
  range: string | undefined;
  status: number;
  /** Response body bytes delivered to the client. */
  bytesSent: number;
}

/** How the proxy misbehaves for a matching request. */
export type Fault =
  | { kind: 'status'; status: number; code: string }
  | { kind: 'cutBody'; afterBytes: number }
  | { kind: 'stallBody'; afterBytes: number }
  | { kind: 'dropRequest' };

/**
 * An HTTP proxy in front of Azurite that records every request (method, Range, bytes of body delivered) and
 * injects faults on demand: the storage side's own account of what was fetched, and a way to break a
 * connection in the middle of a body, which no SDK retry policy sees.
 */
export class AzuriteProxy {
  readonly requests: ProxiedRequest[] = [];
  private faults: Array<{ match: (req: http.IncomingMessage) => boolean; fault: Fault; times: number }> = [];
  private readonly agent = new http.Agent({ keepAlive: true });

  private constructor(
    private readonly server: http.Server,
    private readonly target: URL,
  ) {}

  static async start(azurite: Azurite): Promise<AzuriteProxy> {
    const server = http.createServer();
    const proxy = new AzuriteProxy(server, new URL(azurite.blobEndpoint));
    server.on('request', (req, res) => proxy.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get blobEndpoint(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}${this.target.pathname}`;
  }

  get connectionString(): string {
    return connectionStringFor(this.blobEndpoint);
  }

  /** Misbehave for the next `times` requests that `match`. */
  inject(match: (req: http.IncomingMessage) => boolean, fault: Fault, times = 1): void {
    this.faults.push({ match, fault, times });
  }

  reset(): void {
    this.requests.length = 0;
    this.faults = [];
  }

  /** Body bytes of blob GETs (downloads; listings excluded) delivered since the last reset. */
  get downloadedBytes(): number {
    return this.requests
      .filter((r) => r.method === 'GET' && !isList(r.url))
      .reduce((n, r) => n + r.bytesSent, 0);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.agent.destroy();
  }

  private takeFault(req: http.IncomingMessage): Fault | undefined {
    const entry = this.faults.find((f) => f.times > 0 && f.match(req));
    if (!entry) return undefined;
    entry.times--;
    return entry.fault;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const record: ProxiedRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      range: header(req, 'x-ms-range') ?? header(req, 'range'),
      status: 0,
      bytesSent: 0,
    };
    this.requests.push(record);
    const fault = this.takeFault(req);
    const body: Buffer[] = [];
    req.on('data', (chunk: Buffer) => body.push(chunk));
    req.on('end', () => {
      if (fault?.kind === 'dropRequest') {
        req.socket.destroy();
        return;
      }
      if (fault?.kind === 'status') {
        record.status = fault.status;
        res.writeHead(fault.status, { 'x-ms-error-code': fault.code, 'content-type': 'application/xml' });
        res.end(
          `<?xml version="1.0" encoding="utf-8"?><Error><Code>${fault.code}</Code><Message>injected</Message></Error>`,
        );
        return;
      }
      const upstream = http.request(
        {
          agent: this.agent,
          host: this.target.hostname,
          port: this.target.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => this.relay(answer, res, record, fault),
      );
      upstream.on('error', () => res.destroy());
      upstream.end(Buffer.concat(body));
    });
  }

  private relay(
    answer: http.IncomingMessage,
    res: http.ServerResponse,
    record: ProxiedRequest,
    fault?: Fault,
  ) {
    record.status = answer.statusCode ?? 0;
    res.writeHead(record.status, answer.headers);
    const limit =
      fault && (fault.kind === 'cutBody' || fault.kind === 'stallBody') ? fault.afterBytes : Infinity;
    res.on('close', () => answer.destroy());
    answer.on('data', (chunk: Buffer) => {
      const room = limit - record.bytesSent;
      const part = room < chunk.length ? chunk.subarray(0, Math.max(0, room)) : chunk;
      const reachedLimit = record.bytesSent + part.length >= limit;
      record.bytesSent += part.length;
      // A cut drops the connection mid-body (once the bytes before it are on the wire, so the client gets
      // exactly `afterBytes`); a stall keeps the connection open and silent until the client gives up.
      const cut = reachedLimit && fault?.kind === 'cutBody' ? () => res.socket?.destroy() : undefined;
      if (part.length > 0) res.write(part, cut);
      else cut?.();
      if (reachedLimit) answer.pause();
    });
    answer.on('end', () => {
      if (record.bytesSent < limit) res.end();
    });
  }
}

export const isRangedGet = (req: http.IncomingMessage) =>
  req.method === 'GET' && (header(req, 'x-ms-range') ?? header(req, 'range')) !== undefined;
export const isStageBlock = (req: http.IncomingMessage) =>
  req.method === 'PUT' && /[?&]comp=block(&|$)/.test(req.url ?? '');
export const isListing = (req: http.IncomingMessage) => req.method === 'GET' && isList(req.url ?? '');

function isList(url: string): boolean {
  return /[?&]comp=list(&|$)/.test(url);
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function listening(child: ChildProcess, ready: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(ready)) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`azurite exited with ${code} before listening:\n${output}`)),
    );
    setTimeout(() => reject(new Error(`azurite did not start within 30 s:\n${output}`)), 30_000).unref();
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
