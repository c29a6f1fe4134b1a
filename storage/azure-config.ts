import { StorageAccessError } from '../domain/errors.js';

/**
 * How a worker reaches one storage account: which endpoint serves it and which credential to present. Resolved
 * from the worker's own environment by account name, so job specs and workflow histories carry only URIs.
 * The order (documented in docs/storage-contract.md):
 *   1. AZURE_STORAGE_CONNECTION_STRING, when it is for this account: its endpoint (BlobEndpoint=, e.g. Azurite)
 *      and its AccountKey= or SharedAccessSignature=.
 *   2. AZURE_STORAGE_ACCOUNT_KEY (or the Azure CLI's AZURE_STORAGE_KEY), then AZURE_STORAGE_SAS_TOKEN, unless
 *      AZURE_STORAGE_ACCOUNT names another account.
 *   3. DefaultAzureCredential: managed identity, workload identity, AZURE_CLIENT_* variables, Azure CLI login.
 * The endpoint is the connection string's when it is for this account, else https://<account>.blob.core.windows.net.
 */
export interface AzureAccountSettings {
  account: string;
  /** Service URL without a trailing slash: https://acct.blob.core.windows.net or http://127.0.0.1:10000/devstoreaccount1 */
  blobEndpoint: string;
  auth: AzureAuth;
  /** Where the credential came from, by variable name: safe to print in errors and logs. */
  credentialSource: string;
}

export type AzureAuth =
  | { kind: 'sharedKey'; accountKey: string }
  | { kind: 'sas'; token: string }
  | { kind: 'defaultAzureCredential' };

/** Azurite's published development account ("UseDevelopmentStorage=true"); not a secret. */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const AZURITE_ENDPOINT = `http://127.0.0.1:10000/${AZURITE_ACCOUNT}`;

const CONNECTION_STRING = 'AZURE_STORAGE_CONNECTION_STRING';

type Env = Record<string, string | undefined>;

export function resolveAccount(account: string, env: Env = process.env): AzureAccountSettings {
  const connection = connectionStringFor(account, env);
  const blobEndpoint = connection?.blobEndpoint ?? `https://${account}.blob.core.windows.net`;
  if (connection?.auth) {
    return { account, blobEndpoint, auth: connection.auth, credentialSource: connection.credentialSource };
  }
  const scoped = value(env, 'AZURE_STORAGE_ACCOUNT');
  if (!scoped || scoped === account) {
    for (const name of ['AZURE_STORAGE_ACCOUNT_KEY', 'AZURE_STORAGE_KEY']) {
      const accountKey = value(env, name);
      if (accountKey)
        return { account, blobEndpoint, auth: { kind: 'sharedKey', accountKey }, credentialSource: name };
    }
    const token = value(env, 'AZURE_STORAGE_SAS_TOKEN');
    if (token) {
      return {
        account,
        blobEndpoint,
        auth: { kind: 'sas', token: stripQuestionMark(token) },
        credentialSource: 'AZURE_STORAGE_SAS_TOKEN',
      };
    }
  }
  return {
    account,
    blobEndpoint,
    auth: { kind: 'defaultAzureCredential' },
    credentialSource:
      'DefaultAzureCredential (managed identity, workload identity, AZURE_CLIENT_* or Azure CLI login)',
  };
}

/** The parts of a connection string that matter here. */
export interface ConnectionString {
  account: string | undefined;
  blobEndpoint: string | undefined;
  auth: Exclude<AzureAuth, { kind: 'defaultAzureCredential' }> | undefined;
}

/**
 * Parses `Key=Value;...` (keys case-insensitive; SAS values contain '=' and '&' but never ';'). Errors name the
 * variable and the offending key, never the text, which holds the secret.
 */
export function parseConnectionString(text: string, variable = CONNECTION_STRING): ConnectionString {
  const fields = new Map<string, string>();
  for (const part of text.split(';')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0)
      throw new StorageAccessError(`${variable} is not a connection string (expected Key=Value;Key=Value)`);
    fields.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  if (fields.get('usedevelopmentstorage')?.toLowerCase() === 'true') {
    return {
      account: AZURITE_ACCOUNT,
      blobEndpoint: AZURITE_ENDPOINT,
      auth: { kind: 'sharedKey', accountKey: AZURITE_KEY },
    };
  }
  const explicitEndpoint = fields.get('blobendpoint')?.replace(/\/+$/, '');
  const account =
    fields.get('accountname') ?? (explicitEndpoint ? accountOfEndpoint(explicitEndpoint) : undefined);
  const protocol = fields.get('defaultendpointsprotocol') ?? 'https';
  const suffix = fields.get('endpointsuffix') ?? 'core.windows.net';
  const blobEndpoint = explicitEndpoint ?? (account ? `${protocol}://${account}.blob.${suffix}` : undefined);
  const accountKey = fields.get('accountkey');
  const sas = fields.get('sharedaccesssignature');
  const auth: ConnectionString['auth'] = accountKey
    ? { kind: 'sharedKey', accountKey }
    : sas
      ? { kind: 'sas', token: stripQuestionMark(sas) }
      : undefined;
  return { account, blobEndpoint, auth };
}

function connectionStringFor(account: string, env: Env) {
  const text = value(env, CONNECTION_STRING);
  if (!text) return undefined;
  const parsed = parseConnectionString(text);
  if (parsed.account !== account) return undefined;
  return {
    blobEndpoint: parsed.blobEndpoint,
    auth: parsed.auth,
    credentialSource: `${CONNECTION_STRING} (${parsed.auth?.kind === 'sas' ? 'SharedAccessSignature' : 'AccountKey'})`,
  };
}

/** acct.blob.core.windows.net -> acct; Azurite's path-style http://127.0.0.1:10000/devstoreaccount1 -> devstoreaccount1. */
function accountOfEndpoint(endpoint: string): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return undefined;
  }
  const firstPathSegment = url.pathname.split('/').find((s) => s !== '');
  if (firstPathSegment) return firstPathSegment;
  const label = url.hostname.split('.')[0];
  return label && /\.blob\./.test(url.hostname) ? label : undefined;
}

function value(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

function stripQuestionMark(token: string): string {
  return token.startsWith('?') ? token.slice(1) : token;
}
