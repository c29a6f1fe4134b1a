import { createHash } from 'node:crypto';
import { DefaultAzureCredential } from '@azure/identity';
import {
  AnonymousCredential,
  BlobServiceClient,
  StorageSharedKeyCredential,
  type ContainerClient,
  type StoragePipelineOptions,
} from '@azure/storage-blob';
import { resolveAccount, type AzureAccountSettings } from './azure-config.js';

export interface AccountClient {
  service: BlobServiceClient;
  settings: AzureAccountSettings;
}

/**
 * One BlobServiceClient per account and credential, so connections are kept alive and reused. The environment
 * is read on every lookup: a rotated key or a changed connection string takes effect without a restart, and
 * tests can switch credentials between jobs.
 */
export class AzureClients {
  private readonly clients = new Map<string, AccountClient>();
  private tokenCredential: DefaultAzureCredential | undefined;

  constructor(private readonly env: () => Record<string, string | undefined> = () => process.env) {}

  forAccount(account: string): AccountClient {
    const settings = resolveAccount(account, this.env());
    // Keyed by a digest, so the map never holds a secret in a readable key.
    const key = createHash('sha256')
      .update(JSON.stringify([settings.account, settings.blobEndpoint, settings.auth]))
      .digest('hex');
    let client = this.clients.get(key);
    if (!client) {
      client = { service: this.createService(settings), settings };
      this.clients.set(key, client);
    }
    return client;
  }

  container(account: string, container: string): { client: ContainerClient; settings: AzureAccountSettings } {
    const { service, settings } = this.forAccount(account);
    return { client: service.getContainerClient(container), settings };
  }

  private createService(settings: AzureAccountSettings): BlobServiceClient {
    const options: StoragePipelineOptions = {
      // Retries happen in one place, ours (retry.ts): it also covers bodies that break off mid-read.
      retryOptions: { maxTries: 1 },
      userAgentOptions: { userAgentPrefix: 'batch-score' },
    };
    const { auth, blobEndpoint, account } = settings;
    switch (auth.kind) {
      case 'sharedKey':
        return new BlobServiceClient(
          blobEndpoint,
          new StorageSharedKeyCredential(account, auth.accountKey),
          options,
        );
      case 'sas':
        return new BlobServiceClient(`${blobEndpoint}?${auth.token}`, new AnonymousCredential(), options);
      case 'defaultAzureCredential':
        // One per process: it caches tokens, and probing the managed identity endpoint is slow the first time.
        this.tokenCredential ??= new DefaultAzureCredential();
        return new BlobServiceClient(blobEndpoint, this.tokenCredential, options);
    }
  }
}
