import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from '@temporalio/client';

/**
 * Connection settings for an existing Temporal cluster, from the variables the Temporal CLI and SDKs use:
 * TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS, TEMPORAL_TLS_CLIENT_CERT_PATH,
 * TEMPORAL_TLS_CLIENT_KEY_PATH, TEMPORAL_TLS_SERVER_CA_CERT_PATH, TEMPORAL_TLS_SERVER_NAME.
 */
export interface ClusterSettings {
  address: string;
  namespace: string;
  connection: { address: string; tls?: ConnectionOptions['tls']; apiKey?: string };
}

export function clusterFromEnv(env: NodeJS.ProcessEnv = process.env): ClusterSettings | undefined {
  const address = env.TEMPORAL_ADDRESS;
  if (!address) return undefined;
  const certPath = env.TEMPORAL_TLS_CLIENT_CERT_PATH;
  const keyPath = env.TEMPORAL_TLS_CLIENT_KEY_PATH;
  const caPath = env.TEMPORAL_TLS_SERVER_CA_CERT_PATH;
  const apiKey = env.TEMPORAL_API_KEY;
  if (Boolean(certPath) !== Boolean(keyPath)) {
    throw new Error('TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH go together');
  }
  const wantsTls = env.TEMPORAL_TLS === 'true' || Boolean(certPath) || Boolean(caPath) || Boolean(apiKey);
  const tls = wantsTls
    ? {
        serverNameOverride: env.TEMPORAL_TLS_SERVER_NAME,
        serverRootCACertificate: caPath ? readFileSync(caPath) : undefined,
        clientCertPair:
          certPath && keyPath ? { crt: readFileSync(certPath), key: readFileSync(keyPath) } : undefined,
      }
    : undefined;
  return {
    address,
    namespace: env.TEMPORAL_NAMESPACE ?? 'default',
    connection: { address, tls, apiKey },
  };
}

/** No Temporal cluster answers at the address: said in one line, naming the address and what to do. */
export class ClusterUnreachableError extends Error {
  override readonly name = 'ClusterUnreachableError';
  constructor(address: string, cause: unknown) {
    super(
      `no Temporal cluster at ${address} (${cause instanceof Error ? cause.message : String(cause)}); start one with "batch-score server" or set TEMPORAL_ADDRESS`,
      { cause },
    );
  }
}

/** Runs a connect, turning its transport errors into ClusterUnreachableError. */
export async function reachCluster<T>(address: string, connect: () => Promise<T>): Promise<T> {
  try {
    return await connect();
  } catch (error) {
    throw new ClusterUnreachableError(address, error);
  }
}
