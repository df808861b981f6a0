/** Endpoints of the Azure clouds that `environment` can name. */

export type CloudName = 'AzureCloud' | 'AzureUSGovernment' | 'AzureChinaCloud';

export interface CloudEndpoints {
  /** Azure Resource Manager base URL. */
  resourceManagerEndpoint: string;
  /** Entra ID authority host. */
  authorityHost: string;
  /** Token scope for Resource Manager. */
  armScope: string;
}

export const CLOUDS: Readonly<Record<CloudName, CloudEndpoints>> = {
  AzureCloud: {
    resourceManagerEndpoint: 'https://management.azure.com',
    authorityHost: 'https://login.microsoftonline.com',
    armScope: 'https://management.azure.com/.default',
  },
  AzureUSGovernment: {
    resourceManagerEndpoint: 'https://management.usgovcloudapi.net',
    authorityHost: 'https://login.microsoftonline.us',
    armScope: 'https://management.usgovcloudapi.net/.default',
  },
  AzureChinaCloud: {
    resourceManagerEndpoint: 'https://management.chinacloudapi.cn',
    authorityHost: 'https://login.chinacloudapi.cn',
    armScope: 'https://management.chinacloudapi.cn/.default',
  },
};

export const CLOUD_NAMES = Object.keys(CLOUDS) as CloudName[];
