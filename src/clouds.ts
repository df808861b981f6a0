/** Endpoints of the Azure clouds that `environment` can name. */

export type CloudName = 'AzureCloud' | 'AzureUSGovernment' | 'AzureChinaCloud';

export interface CloudEndpoints {
  /** Azure Resource Manager base URL. */
  resourceManagerEndpoint: string;
  /** Entra ID authority host. */
  authorityHost: string;
  /** Token scope for Resource Manager. */
  armScope: string;
  /**
   * Audience of the GitHub OIDC token that this cloud's Entra ID exchanges (the federated credential's audience).
   * Per cloud, from Microsoft Learn "Configure an application to trust a managed identity" (audiences list):
   * https://learn.microsoft.com/entra/workload-id/workload-identity-federation-config-app-trust-managed-identity
   */
  tokenExchangeAudience: string;
  /** Storage endpoint suffix: blob endpoints are `https://<account>.blob.<suffix>/`. */
  storageSuffix: string;
}

/**
 * Token scope for Azure Storage data access. The same resource ID in every cloud (Microsoft's answer in
 * https://github.com/MicrosoftDocs/azure-docs/issues/22400: "use the same resource id in all environments").
 */
export const STORAGE_SCOPE = 'https://storage.azure.com/.default';

export const CLOUDS: Readonly<Record<CloudName, CloudEndpoints>> = {
  AzureCloud: {
    resourceManagerEndpoint: 'https://management.azure.com',
    authorityHost: 'https://login.microsoftonline.com',
    armScope: 'https://management.azure.com/.default',
    tokenExchangeAudience: 'api://AzureADTokenExchange',
    storageSuffix: 'core.windows.net',
  },
  AzureUSGovernment: {
    resourceManagerEndpoint: 'https://management.usgovcloudapi.net',
    authorityHost: 'https://login.microsoftonline.us',
    armScope: 'https://management.usgovcloudapi.net/.default',
    tokenExchangeAudience: 'api://AzureADTokenExchangeUSGov',
    storageSuffix: 'core.usgovcloudapi.net',
  },
  AzureChinaCloud: {
    resourceManagerEndpoint: 'https://management.chinacloudapi.cn',
    authorityHost: 'https://login.chinacloudapi.cn',
    armScope: 'https://management.chinacloudapi.cn/.default',
    tokenExchangeAudience: 'api://AzureADTokenExchangeChina',
    storageSuffix: 'core.chinacloudapi.cn',
  },
};

export const CLOUD_NAMES = Object.keys(CLOUDS) as CloudName[];

/** `https://<account>.blob.<suffix>/`: the blob endpoint of a storage account in a cloud. */
export function blobEndpointFor(account: string, storageSuffix: string): string {
  return `https://${account.toLowerCase()}.blob.${storageSuffix}/`;
}

/** Whether a URL's host is `<something>.<suffix>` (https only), i.e. a storage host of that cloud. */
export function isUnderStorageSuffix(url: string, storageSuffix: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  const host = u.hostname.toLowerCase();
  const suffix = `.${storageSuffix.toLowerCase().replace(/^\.+/, '')}`;
  return u.protocol === 'https:' && host.endsWith(suffix) && host.length > suffix.length;
}
