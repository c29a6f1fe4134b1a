import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { clusterFromEnv, type ClusterSettings } from './connection.js';
import { DevServer, type DevServerOptions } from './dev-server.js';

/** A Temporal cluster to talk to, and what this process must stop when it is done. */
export interface TemporalTarget {
  settings: ClusterSettings;
  /** Set when this process started a dev server for itself. */
  server?: DevServer;
  connect(): Promise<Connection>;
  connectWorker(): Promise<NativeConnection>;
  stop(): Promise<void>;
}

/** The cluster named by TEMPORAL_ADDRESS, or else a dev server started here (and stopped by `stop()`). */
export async function resolveTemporal(options: DevServerOptions = {}): Promise<TemporalTarget> {
  const cluster = clusterFromEnv();
  if (cluster) return target(cluster);
  const server = await DevServer.start(options);
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
    server,
    connect: () => Connection.connect(settings.connection),
    connectWorker: () => NativeConnection.connect(settings.connection),
    stop: async () => {
      await server?.stop();
    },
  };
}
