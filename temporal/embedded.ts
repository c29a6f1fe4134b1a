import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { clusterFromEnv, reachCluster, type ClusterSettings } from './connection.js';
import path from 'node:path';
import { DevServer, freePortPreferring, NoTemporalCliError, type DevServerOptions } from './dev-server.js';
import { dataDir } from './project.js';
import { ensureJobSearchAttributes } from './search-attributes.js';

/** A Temporal cluster to talk to, and what this process must stop when it is done. */
export interface TemporalTarget {
  settings: ClusterSettings;
  /** True when this process started a dev server for itself (and so must run workers for it). */
  embedded: boolean;
  /** The Web UI of the embedded server. */
  uiUrl?: string;
  connect(): Promise<Connection>;
  connectWorker(): Promise<NativeConnection>;
  stop(): Promise<void>;
}

/** The cluster named by TEMPORAL_ADDRESS, or else a dev server started here (and stopped by `stop()`). */
export async function resolveTemporal(options: DevServerOptions = {}): Promise<TemporalTarget> {
  const cluster = clusterFromEnv();
  if (cluster) return target(cluster);
  let server: DevServer;
  try {
    server = await DevServer.start(options);
  } catch (error) {
    if (error instanceof NoTemporalCliError) return sdkDownloadedServer(options);
    throw error;
  }
  const settings: ClusterSettings = {
    address: server.address,
    namespace: server.namespace,
    connection: { address: server.address },
  };
  return target(settings, server);
}

function target(settings: ClusterSettings, server?: DevServer): TemporalTarget {
  return {
    settings,
    embedded: server !== undefined,
    uiUrl: server?.uiUrl,
    connect: () => reachCluster(settings.address, () => Connection.connect(settings.connection)),
    connectWorker: () => reachCluster(settings.address, () => NativeConnection.connect(settings.connection)),
    stop: async () => {
      await server?.stop();
    },
  };
}

/**
 * Last resort, for machines with internet but no Temporal CLI and no PyPI: the SDK downloads the same
 * CLI dev server and runs it.
 */
async function sdkDownloadedServer(options: DevServerOptions): Promise<TemporalTarget> {
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  options.log?.('no Temporal CLI found; letting the Temporal SDK download the dev server');
  const port = options.port ?? (await freePortPreferring(7233));
  const uiPort = options.uiPort ?? (await freePortPreferring(8233));
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'cached-download' },
      dbFilename: options.dbFile ?? path.join(dataDir(), 'temporal.sqlite'),
      ip: '127.0.0.1',
      port,
      ui: true,
      uiPort,
      namespace: options.namespace ?? 'default',
    },
  });
  const address = `127.0.0.1:${port}`;
  const settings: ClusterSettings = {
    address,
    namespace: options.namespace ?? 'default',
    connection: { address },
  };
  const connection = await Connection.connect({ address });
  try {
    await ensureJobSearchAttributes(connection, settings.namespace);
  } finally {
    await connection.close();
  }
  return {
    ...target(settings),
    embedded: true,
    uiUrl: `http://127.0.0.1:${uiPort}`,
    stop: () => env.teardown(),
  };
}
