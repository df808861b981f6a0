import { describe, expect, it } from '@jest/globals';
import { RestError } from '@azure/core-rest-pipeline';
import { aadstsCode, describeAzureError, entraHint, isSignInError, parseAuthorizationFailed, REQUIRED_ACTIONS } from '../../src/errors.js';

const ctx = { subscriptionId: '11111111-1111-1111-1111-111111111111', resourceGroup: 'rg-images', templateName: 'ubuntu' };

function rest(statusCode: number, code: string, message: string): RestError {
  return new RestError(message, { statusCode, code });
}

describe('describeAzureError', () => {
  it('404 ResourceNotFound names template, group and subscription', () => {
    const msg = describeAzureError(
      rest(
        404,
        'ResourceNotFound',
        "The Resource 'Microsoft.VirtualMachineImages/imageTemplates/ubuntu' under resource group 'rg-images' was not found.",
      ),
      ctx,
    );
    expect(msg).toContain("image template 'ubuntu'");
    expect(msg).toContain("resource group 'rg-images'");
    expect(msg).toContain(ctx.subscriptionId);
    expect(msg).toContain('template-name');
  });

  it('ResourceGroupNotFound is about the group', () => {
    const msg = describeAzureError(rest(404, 'ResourceGroupNotFound', "Resource group 'rg-images' could not be found."), ctx);
    expect(msg).toMatch(/^Resource group 'rg-images' was not found in subscription '11111111-/);
    expect(msg).not.toContain("image template 'ubuntu'");
  });

  it('SubscriptionNotFound is about the subscription', () => {
    const msg = describeAzureError(rest(404, 'SubscriptionNotFound', `The subscription '${ctx.subscriptionId}' could not be found.`), ctx);
    expect(msg).toMatch(/^Subscription '11111111-1111-1111-1111-111111111111' was not found/);
    expect(msg).toContain('subscription-id');
  });

  it('403 AuthorizationFailed names the missing action, the scope and the permissions to grant', () => {
    const message =
      "The client 'aaaaaaaa-0000-0000-0000-000000000001' with object id 'aaaaaaaa-0000-0000-0000-000000000001' does not have authorization to perform action " +
      "'Microsoft.VirtualMachineImages/imageTemplates/run/action' over scope '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-images/providers/Microsoft.VirtualMachineImages/imageTemplates/ubuntu' or the scope is invalid. If access was recently granted, please refresh your credentials.";
    const msg = describeAzureError(rest(403, 'AuthorizationFailed', message), ctx);
    expect(msg).toContain("missing the permission 'Microsoft.VirtualMachineImages/imageTemplates/run/action'");
    expect(msg).toContain("'aaaaaaaa-0000-0000-0000-000000000001'");
    expect(msg).toContain('/resourceGroups/rg-images/providers/Microsoft.VirtualMachineImages/imageTemplates/ubuntu');
    for (const action of REQUIRED_ACTIONS) expect(msg).toContain(action);
  });

  it('401 says the token was refused and what to check', () => {
    const msg = describeAzureError(
      rest(
        401,
        'InvalidAuthenticationTokenAudience',
        "The access token has been obtained for wrong audience or resource 'https://management.core.windows.net/'.",
      ),
      ctx,
    );
    expect(msg).toContain('refused the access token (InvalidAuthenticationTokenAudience)');
    expect(msg).toContain('environment');
  });

  it('Entra errors keep the AADSTS code and get a hint with the subject', () => {
    const err = new Error(
      "ClientAssertionCredential authentication failed. AADSTS700213: No matching federated identity record found for presented assertion subject 'repo:octo/app:pull_request'.",
    );
    const msg = describeAzureError(err, { ...ctx, oidcSubject: 'repo:octo/app:pull_request' });
    expect(msg).toContain('AADSTS700213');
    expect(msg).toContain("subject is 'repo:octo/app:pull_request'");
    expect(msg).toContain(':ref:refs/heads/<branch>');
  });

  it('other HTTP errors keep status, code and message', () => {
    expect(describeAzureError(rest(409, 'Conflict', 'busy'), ctx)).toBe('Azure request failed with HTTP 409 (Conflict): busy');
    expect(describeAzureError(new Error('socket hang up'), ctx)).toBe('socket hang up');
  });
});

describe('entraHint', () => {
  it.each([
    ['AADSTS700024: Client assertion is not within its valid time range.', 'expired'],
    ['AADSTS70021: No matching federated identity record found', 'federated credential'],
    ["AADSTS700016: Application with identifier 'x' was not found in the directory", 'client-id'],
    ["AADSTS90002: Tenant 'x' not found.", 'tenant-id'],
    [
      "AADSTS700212: No matching federated identity record found for presented assertion audience 'api://AzureADTokenExchange'.",
      'api://AzureADTokenExchangeUSGov',
    ],
  ])('%s', (message, expected) => {
    expect(entraHint(message)).toContain(expected);
  });
  it('unknown codes get no hint', () => {
    expect(entraHint('AADSTS12345: whatever')).toBeUndefined();
    expect(aadstsCode('nothing here')).toBeUndefined();
  });
});

describe('parseAuthorizationFailed', () => {
  it('returns nothing for a message without the parts', () => {
    expect(parseAuthorizationFailed('Forbidden')).toEqual({});
  });
});

describe('no Azure CLI session', () => {
  const cliCtx = { subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'rg', templateName: 't' };
  const unavailable = Object.assign(
    new Error("Please run 'az login' from a command prompt to authenticate before using this credential."),
    {
      name: 'CredentialUnavailableError',
    },
  );

  it('is a sign-in error, not a failed template read', () => {
    expect(isSignInError(unavailable)).toBe(true);
    expect(isSignInError(Object.assign(new Error('x'), { statusCode: 404 }))).toBe(false);
  });

  it('says to run azure/login or set client-id and tenant-id for OIDC', () => {
    const msg = describeAzureError(unavailable, cliCtx);
    expect(msg).toMatch(/azure\/login/);
    expect(msg).toMatch(/client-id and tenant-id/);
    expect(msg).toMatch(/id-token: write/);
  });
});

describe('sign-in errors of the other ways in', () => {
  const ctx = { subscriptionId: 's', resourceGroup: 'rg', templateName: 't' };
  it('a lost CLI session is a sign-in error whose message is kept as it is (it names the fix)', () => {
    const err = Object.assign(new Error('The Azure CLI session (auth-type: azure-cli) can no longer get tokens: ... Fix: ...'), {
      name: 'CliSessionLostError',
      statusCode: 401,
    });
    expect(isSignInError(err)).toBe(true);
    expect(describeAzureError(err, ctx)).toBe(err.message);
  });
  it('a managed identity failure names the runner requirement and client-id', () => {
    const err = Object.assign(
      new Error('ManagedIdentityCredential: Authentication failed. Message invalid_request: ... Description: Identity not found'),
      { name: 'CredentialUnavailableError' },
    );
    const m = describeAzureError(err, ctx);
    expect(m).toMatch(/^Managed identity sign-in failed/);
    expect(m).toContain('Identity not found');
    expect(m).toContain('client-id');
  });
});
