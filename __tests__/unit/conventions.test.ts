// Conventions users know from other actions: the OIDC issuer hint follows the GitHub server (GHES issues
// tokens as https://HOSTNAME/_services/token: docs.github.com, enterprise-server "OpenID Connect reference",
// claim iss), and step debug routes the Azure SDK's own log to core.debug, redacted.
import { afterEach, describe, expect, it } from '@jest/globals';
import { createClientLogger, getLogLevel, setLogLevel } from '@azure/logger';
import { entraHint, oidcIssuer } from '../../src/errors.js';
import { routeAzureSdkLog } from '../../src/sdklog.js';

describe('OIDC issuer in the federated-credential hint', () => {
  const saved = process.env.GITHUB_SERVER_URL;
  afterEach(() => {
    if (saved === undefined) delete process.env.GITHUB_SERVER_URL;
    else process.env.GITHUB_SERVER_URL = saved;
  });

  it.each([
    [undefined, 'https://token.actions.githubusercontent.com'],
    ['https://github.com', 'https://token.actions.githubusercontent.com'],
    ['https://ghes.example.com', 'https://ghes.example.com/_services/token'],
    ['https://GHES.corp.example:8443/', 'https://ghes.corp.example:8443/_services/token'],
    ['https://octo.ghe.com', undefined],
  ])('server %s: issuer %s', (server, issuer) => {
    expect(oidcIssuer(server)).toBe(issuer);
  });

  it('names the GHES issuer when the workflow runs on GitHub Enterprise Server', () => {
    process.env.GITHUB_SERVER_URL = 'https://ghes.example.com';
    const hint = entraHint('AADSTS700213: No matching federated identity record found for presented assertion subject');
    expect(hint).toContain('issuer (https://ghes.example.com/_services/token)');
    expect(hint).not.toContain('token.actions.githubusercontent.com');
  });

  it("names github.com's issuer on github.com", () => {
    process.env.GITHUB_SERVER_URL = 'https://github.com';
    expect(entraHint('AADSTS70021: No matching federated identity record found')).toContain(
      'issuer (https://token.actions.githubusercontent.com)',
    );
  });
});

describe('Azure SDK log under step debug', () => {
  afterEach(() => setLogLevel());

  it('stays off without step debug', () => {
    const lines: string[] = [];
    routeAzureSdkLog(false, (m) => lines.push(m));
    createClientLogger('ibr-test').info('request sent');
    expect(getLogLevel()).toBeUndefined();
    expect(lines).toEqual([]);
  });

  it('routes SDK lines to debug, with SAS signatures, keys and bearer tokens redacted', () => {
    const lines: string[] = [];
    routeAzureSdkLog(true, (m) => lines.push(m));
    const log = createClientLogger('ibr-test');
    log.info('Request: GET https://acct.blob.core.windows.net/packerlogs/x/customization.log?sv=2024-05-04&se=2026-01-01&sig=c2VjcmV0c2ln');
    log.warning('retrying with %s', 'Authorization: Bearer eyJhbGciOi.secret.token');
    log.info('conn AccountName=acct;AccountKey=a2V5a2V5a2V5;EndpointSuffix=core.windows.net');
    const text = lines.join('\n');
    expect(lines.length).toBe(3);
    expect(text).toContain('ibr-test');
    expect(text).toContain('https://acct.blob.core.windows.net/packerlogs/x/customization.log');
    for (const secret of ['c2VjcmV0c2ln', 'eyJhbGciOi.secret.token', 'a2V5a2V5a2V5']) expect(text).not.toContain(secret);
  });
});
