import path from 'node:path';
import { StorageAccessError } from '../domain/errors.js';

/**
 * Where a blob, or a prefix of blobs, lives. Two spellings name the same place:
 *   az://<account>/<container>/<path>
 *   https://<account>.blob.core.windows.net/<container>/<path>
 * Which endpoint actually serves the account (Azure, or Azurite on localhost) is decided by the worker's
 * environment (azure-config.ts), never by the URI, so the same job spec works against both.
 */
export interface BlobLocation {
  account: string;
  container: string;
  /** Blob name or prefix inside the container, as given (no leading slash); '' is the whole container. */
  path: string;
  /** The spelling the URI came in; URIs derived from it (listing, join) keep it. */
  style: 'az' | 'https';
}

const AZ_PREFIX = 'az://';
const HTTPS_HOST = /^https:\/\/([^/.]+)\.blob\.core\.windows\.net(?=\/|$)/i;
const ACCOUNT_NAME = /^[a-z0-9]{3,24}$/;
const CONTAINER_NAME = /^(?:[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}|\$root|\$web)$/;
// A SAS token pasted into a URI would be copied into workflow inputs, histories and logs.
const SAS_QUERY = /\?(?:.*&)?(?:sig|sv|se|sp|skoid)=/i;

export function isAzureBlobUri(uri: string): boolean {
  return uri.startsWith(AZ_PREFIX) || HTTPS_HOST.test(uri);
}

export function parseBlobUri(uri: string): BlobLocation {
  if (SAS_QUERY.test(uri)) {
    // Say where the token was without repeating it.
    throw new StorageAccessError(
      `${uri.slice(0, uri.indexOf('?'))}?...: the URI carries a SAS token; URIs end up in workflow inputs and histories, so give the token to the workers instead (AZURE_STORAGE_SAS_TOKEN or the connection string)`,
    );
  }
  let account: string;
  let rest: string;
  let style: BlobLocation['style'];
  if (uri.startsWith(AZ_PREFIX)) {
    style = 'az';
    const slash = uri.indexOf('/', AZ_PREFIX.length);
    account = uri.slice(AZ_PREFIX.length, slash < 0 ? undefined : slash);
    rest = slash < 0 ? '' : uri.slice(slash + 1);
  } else {
    const host = HTTPS_HOST.exec(uri);
    if (!host) throw new StorageAccessError(`${uri} is not an Azure Blob Storage URI`);
    style = 'https';
    account = host[1]!.toLowerCase();
    rest = uri
      .slice(host[0].length + 1)
      .split('/')
      .map(decodeSegment)
      .join('/');
  }
  const slash = rest.indexOf('/');
  const container = slash < 0 ? rest : rest.slice(0, slash);
  const blobPath = slash < 0 ? '' : rest.slice(slash + 1);
  const form =
    style === 'az'
      ? 'az://<account>/<container>/<path>'
      : 'https://<account>.blob.core.windows.net/<container>/<path>';
  if (!ACCOUNT_NAME.test(account)) {
    throw new StorageAccessError(
      `${uri}: "${account}" is not a storage account name (3-24 lowercase letters and digits); expected ${form}`,
    );
  }
  if (!CONTAINER_NAME.test(container)) {
    throw new StorageAccessError(
      container === ''
        ? `${uri}: no container; expected ${form}`
        : `${uri}: "${container}" is not a container name (3-63 lowercase letters, digits and single hyphens; wildcards are allowed only after the container); expected ${form}`,
    );
  }
  return { account, container, path: blobPath, style };
}

export function formatBlobUri(location: BlobLocation): string {
  const { account, container, path: blobPath, style } = location;
  if (style === 'az') return `${AZ_PREFIX}${account}/${container}${blobPath ? `/${blobPath}` : ''}`;
  const encoded = blobPath
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
  return `https://${account}.blob.core.windows.net/${container}${blobPath ? `/${encoded}` : ''}`;
}

/** The same place with another path inside the container. */
export function withPath(location: BlobLocation, blobPath: string): BlobLocation {
  return { ...location, path: blobPath };
}

/** `path` as a folder prefix: '' for the container root, otherwise ending in exactly one '/'. */
export function folderPrefix(blobPath: string): string {
  const trimmed = blobPath.replace(/\/+$/, '');
  return trimmed === '' ? '' : `${trimmed}/`;
}

/** Joins segments onto a folder as path.posix.join does; '..' never climbs above the container. */
export function joinBlobUri(base: string, ...segments: string[]): string {
  const location = parseBlobUri(base);
  const joined = path.posix.join('/', location.path, ...segments).slice(1);
  return formatBlobUri(withPath(location, joined.replace(/\/+$/, '')));
}

/**
 * `uri` relative to the folder `base` ('predictions/part-1.parquet'), as path.relative does for files; a URI in
 * another account or container has no relative form and comes back whole.
 */
export function relativeBlobUri(base: string, uri: string): string {
  const from = parseBlobUri(base);
  const to = parseBlobUri(uri);
  if (from.account !== to.account || from.container !== to.container) return uri;
  return path.posix.relative(`/${from.path}`, `/${to.path}`);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // a stray '%': take the name as typed
  }
}
