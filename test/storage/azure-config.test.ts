import { describe, expect, it } from 'vitest';
import {
  AZURITE_KEY,
  parseConnectionString,
  resolveAccount,
  type AzureAccountSettings,
} from '../../storage/azure-config.js';

const KEY = 'c2VjcmV0LWtleS1mb3ItdGVzdHM=';
const AZURITE = `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${AZURITE_KEY};BlobEndpoint=http://127.0.0.1:41234/devstoreaccount1;`;

/** Everything about the settings that may be printed: none of it may hold the secret. */
function printable(settings: AzureAccountSettings): string {
  return `${settings.account} ${settings.blobEndpoint} ${settings.credentialSource}`;
}

describe('account resolution from the worker environment', () => {
  it('maps the connection string account to its BlobEndpoint (Azurite) and key', () => {
    const settings = resolveAccount('devstoreaccount1', { AZURE_STORAGE_CONNECTION_STRING: AZURITE });
    expect(settings).toEqual({
      account: 'devstoreaccount1',
      blobEndpoint: 'http://127.0.0.1:41234/devstoreaccount1',
      auth: { kind: 'sharedKey', accountKey: AZURITE_KEY },
      credentialSource: 'AZURE_STORAGE_CONNECTION_STRING (AccountKey)',
    });
    expect(printable(settings)).not.toContain(AZURITE_KEY);
  });

  it('understands UseDevelopmentStorage, SAS-only and EndpointSuffix connection strings', () => {
    expect(parseConnectionString('UseDevelopmentStorage=true')).toMatchObject({
      account: 'devstoreaccount1',
      blobEndpoint: 'http://127.0.0.1:10000/devstoreaccount1',
    });
    expect(
      parseConnectionString(
        'BlobEndpoint=https://acct.blob.core.windows.net/;SharedAccessSignature=?sv=1&sig=abc=',
      ),
    ).toEqual({
      account: 'acct',
      blobEndpoint: 'https://acct.blob.core.windows.net',
      auth: { kind: 'sas', token: 'sv=1&sig=abc=' },
    });
    expect(
      parseConnectionString(
        `DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${KEY};EndpointSuffix=core.chinacloudapi.cn`,
      ),
    ).toMatchObject({ blobEndpoint: 'https://acct.blob.core.chinacloudapi.cn', auth: { kind: 'sharedKey' } });
  });

  it('does not use a connection string for another account', () => {
    const settings = resolveAccount('prodacct', { AZURE_STORAGE_CONNECTION_STRING: AZURITE });
    expect(settings.blobEndpoint).toBe('https://prodacct.blob.core.windows.net');
    expect(settings.auth).toEqual({ kind: 'defaultAzureCredential' });
  });

  it('prefers the connection string, then the account key, then the SAS token, then DefaultAzureCredential', () => {
    expect(
      resolveAccount('acct', { AZURE_STORAGE_ACCOUNT_KEY: KEY, AZURE_STORAGE_SAS_TOKEN: 'sv=1&sig=x' }),
    ).toMatchObject({
      auth: { kind: 'sharedKey', accountKey: KEY },
      credentialSource: 'AZURE_STORAGE_ACCOUNT_KEY',
    });
    expect(resolveAccount('acct', { AZURE_STORAGE_KEY: KEY })).toMatchObject({
      credentialSource: 'AZURE_STORAGE_KEY',
    });
    expect(resolveAccount('acct', { AZURE_STORAGE_SAS_TOKEN: '?sv=1&sig=x' })).toMatchObject({
      auth: { kind: 'sas', token: 'sv=1&sig=x' },
      credentialSource: 'AZURE_STORAGE_SAS_TOKEN',
    });
    expect(resolveAccount('acct', {}).credentialSource).toMatch(/^DefaultAzureCredential/);
    expect(resolveAccount('acct', { AZURE_STORAGE_ACCOUNT_KEY: '  ' }).auth.kind).toBe(
      'defaultAzureCredential',
    );
  });

  it('takes the endpoint from a credential-less connection string and the SAS from its own variable', () => {
    const settings = resolveAccount('devstoreaccount1', {
      AZURE_STORAGE_CONNECTION_STRING: 'BlobEndpoint=http://127.0.0.1:41234/devstoreaccount1',
      AZURE_STORAGE_SAS_TOKEN: 'sv=1&sig=x',
    });
    expect(settings).toMatchObject({
      blobEndpoint: 'http://127.0.0.1:41234/devstoreaccount1',
      auth: { kind: 'sas' },
      credentialSource: 'AZURE_STORAGE_SAS_TOKEN',
    });
  });

  it('applies key and SAS variables only to AZURE_STORAGE_ACCOUNT when it is set', () => {
    const env = { AZURE_STORAGE_ACCOUNT: 'inputacct', AZURE_STORAGE_ACCOUNT_KEY: KEY };
    expect(resolveAccount('inputacct', env).auth.kind).toBe('sharedKey');
    expect(resolveAccount('outputacct', env).auth.kind).toBe('defaultAzureCredential');
  });

  it('names the variable, never its value, when a connection string is malformed', () => {
    const pastedKeyAlone = 'c2VjcmV0LWtleS1mb3ItdGVzdHM';
    expect(() => resolveAccount('acct', { AZURE_STORAGE_CONNECTION_STRING: pastedKeyAlone })).toThrow(
      /^AZURE_STORAGE_CONNECTION_STRING is not a connection string/,
    );
    try {
      resolveAccount('acct', { AZURE_STORAGE_CONNECTION_STRING: pastedKeyAlone });
    } catch (error) {
      expect((error as Error).message).not.toContain(pastedKeyAlone);
    }
  });
});
