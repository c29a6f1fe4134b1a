import { StorageAccessError } from '../domain/errors.js';
import { AzureBlobStorage } from './azure.js';
import { isAzureBlobUri } from './azure-uri.js';
import { LocalStorage } from './local.js';
import { RoutingStorage } from './routing.js';
import type { Storage } from './storage.js';

export type { ObjectInfo, ObjectSink, RangeReader, Storage } from './storage.js';

const local = new LocalStorage();
let azure: AzureBlobStorage | undefined;

/**
 * The backend that serves a URI: az:// and https://<account>.blob.core.windows.net/ URIs go to Azure Blob
 * Storage; plain paths and file:// URIs to the local file system. Any other scheme is refused rather than
 * taken for a relative path.
 */
export function backendFor(uri: string): Storage {
  if (isAzureBlobUri(uri)) return (azure ??= new AzureBlobStorage());
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(uri)?.[1];
  if (scheme && scheme.toLowerCase() !== 'file') {
    throw new StorageAccessError(
      `${uri}: unsupported storage URI scheme "${scheme}://"; use a local path, file://, az://<account>/<container>/<path> or https://<account>.blob.core.windows.net/<container>/<path>`,
    );
  }
  return local;
}

const routing = new RoutingStorage(backendFor);

/**
 * Storage for `uri` and for any other URI the caller meets along the way (a job's model folder may be local
 * while its output is in Azure): every call is routed by its own URI. Fails at once on an unsupported URI.
 */
export function storageFor(uri: string): Storage {
  backendFor(uri);
  return routing;
}
