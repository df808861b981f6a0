import { redactSas } from '../../src/report.js';
import { inertText, redactSecrets } from '../../src/redact.js';

// What redactSas removes from build-log lines, diagnosis text and URLs (contract 10).
test.each([
  [
    'GET https://x.blob.core.windows.net/c/f.sh?sv=2022-11-02&se=2026-01-01T00%3A00%3A00Z&sig=c2lnU0VDUkVU%2B%3D done',
    'GET https://x.blob.core.windows.net/c/f.sh done',
    'c2lnU0VDUkVU',
  ],
  ['https://x.blob.core.windows.net/c/f.sh?se=2026-01-01&sv=2022-11-02', 'https://x.blob.core.windows.net/c/f.sh', 'se='],
  ['token ?sv=2022-11-02&ss=b&sig=c2lnU0VDUkVU%2Bdef&x=1 end', 'token ?sv=2022-11-02&ss=b&sig=***&x=1 end', 'c2lnU0VDUkVU'],
  [
    'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=S2V5U0VDUkVU/+==;EndpointSuffix=core.windows.net',
    'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=***;EndpointSuffix=core.windows.net',
    'S2V5U0VDUkVU',
  ],
  ['[DEBUG] Authorization: Bearer eyJhbGc.UEFZTE9BRA.c2ln', '[DEBUG] Authorization: Bearer ***', 'eyJhbGc'],
  ['map[Authorization:[SharedKey acct:U2hhcmVk+/=] X:[1]]', 'map[Authorization:[SharedKey ***] X:[1]]', 'U2hhcmVk'],
  ['{"Authorization": "Bearer eyJhbGc.a.b"}', '{"Authorization": "Bearer ***"}', 'eyJhbGc'],
])('%s', (input, expected, secret) => {
  expect(redactSas(input)).toBe(expected);
  expect(redactSas(input)).not.toContain(secret);
});

test('text without secrets is left alone', () => {
  for (const t of ['a Bearer token was refused', 'see https://aka.ms/azvmimagebuilderts?x=1', 'Signature verified; sign=ok'])
    expect(redactSas(t)).toBe(t);
});

// Every encoding a log or an answer may carry a secret in (contract 10).
describe('secrets in every encoding', () => {
  const sig = 'Zm9vYmFyU2lnbmF0dXJl%2Bq%2FZ%3D';
  const raw = 'Zm9vYmFyU2lnbmF0dXJl+q/Z=';
  const url = `https://acct.blob.core.windows.net/packerlogs/g/x.sh?sv=2022-11-02&sr=b&sp=r&sig=${sig}`;
  test.each([
    ['plain URL', `GET ${url} 200`],
    ['bare query', `sv=2022-11-02&sig=${sig}&se=2026`],
    ['JSON-escaped (Go)', JSON.stringify({ u: url }).replace(/&/g, '\\u0026')],
    ['URL-encoded', `next=${encodeURIComponent(url)}`],
    ['URL-encoded twice', `next=${encodeURIComponent(encodeURIComponent(url))}`],
    ['raw signature in a form', `sig=${raw}&x=1`],
  ])('SAS signature, %s', (_name, text) => {
    const out = redactSecrets(text);
    expect(out).not.toContain('Zm9vYmFyU2lnbmF0dXJl');
    expect(redactSecrets(out)).toBe(out);
  });

  const key = `${'K2V5'.repeat(21)}ab==`;
  test.each([
    ['connection string', `DefaultEndpointsProtocol=https;AccountName=a;AccountKey=${key};EndpointSuffix=core.windows.net`],
    ['connection string, URL-encoded', encodeURIComponent(`AccountName=a;AccountKey=${key};`)],
    ['listKeys answer', `{"keys":[{"keyName":"key1","permissions":"FULL","value":"${key}"}]}`],
    ['JSON-escaped label', `{\\"storageKey\\":\\"${key}\\"}`],
    ['environment dump', `AZURE_STORAGE_KEY=${key}`],
  ])('account key, %s', (_name, text) => {
    expect(redactSecrets(text)).not.toContain('K2V5K2V5');
  });

  const jwt = 'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJyZXBvOm8vcjpyZWY6cmVmcy9oZWFkcy9tYWluIn0.c2lnbmF0dXJlLXBhcnQ';
  test.each([
    ['Authorization header', `Authorization: Bearer ${jwt}`],
    ['bare JWT', `token=${jwt}`],
    ['bearer scheme without a label', `curl -H "Bearer abcdefghijklmnopqrstuv0123"`],
    ['client assertion form body', `client_id=x&client_assertion_type=urn%3Aietf&client_assertion=${jwt}&scope=x`],
    ['opaque client assertion', 'client_assertion=opaqueAssertionValue123&grant_type=client_credentials'],
    ['access token answer', '{"token_type":"Bearer","access_token":"opaqueAccessTokenValue123"}'],
    ['URL user-info', 'cloning https://user:hunter2-opaqueAccessTokenValue123@github.com/o/r'],
  ])('token, %s', (_name, text) => {
    const out = redactSecrets(text);
    expect(out).not.toContain('c2lnbmF0dXJlLXBhcnQ');
    expect(out).not.toContain('opaque');
    expect(out).not.toContain('abcdefghijklmnop');
  });

  test('redaction never joins or splits lines, and works the same on latin1-read bytes', () => {
    const text = `a sig=${sig}\n\u00e9t\u00e9 ✓ AccountKey=${key}\r\nplain\n`;
    expect(redactSecrets(text).split('\n')).toHaveLength(4);
    const viaLatin1 = Buffer.from(redactSecrets(Buffer.from(text, 'utf8').toString('latin1')), 'latin1').toString('utf8');
    expect(viaLatin1).toBe(redactSecrets(text));
  });
});

// Untrusted text cannot command the runner (contract 11).
describe('inert text', () => {
  test.each([
    ['50%\r::error::x'],
    ['\r::stop-commands::t'],
    ['ok\r\n  ::add-mask::PACKER'],
    ['progress ##[error]boom'],
    ['\u0085::set-output name=a::b'],
    ['\u00a0\t::warning::x'],
  ])('%j issues no command on any line', (text) => {
    for (const line of inertText(text).split(/\r\n|\r|\n/)) {
      expect(line.replace(/^[\s\u0085]+/, '')).not.toMatch(/^::/);
      expect(line).not.toContain('##[');
    }
  });

  test('text without commands is left alone', () => {
    expect(inertText('a ::b and c:: d')).toBe('a ::b and c:: d');
    expect(inertText('one\ntwo')).toBe('one\ntwo');
  });
});

test('a SAS whose `?` is URL-encoded too', () => {
  expect(redactSecrets('u=https%3A%2F%2Fa%2Fb%3Fsig%3DU2VjcmV0U2ln%253D%26sv%3D1')).not.toContain('U2VjcmV0U2ln');
});

test('what the action prints through @actions/core is inert and redacted, line by line as the runner reads it', async () => {
  const { coreReporter } = await import('../../src/report.js');
  const { coreSink } = await import('../../src/logs/types.js');
  const written: string[] = [];
  const orig = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    coreReporter.info('50%\r::error::x sig=U2VjcmV0U2lnVmFsdWU%3D');
    coreSink.info('ok\r\n  ::add-mask::PACKER\rtext ##[error]y');
    coreReporter.error('line one\r::warning::z', 'title');
  } finally {
    process.stdout.write = orig;
  }
  const lines = written
    .join('')
    .split(/\r\n|\r|\n/)
    .filter((l) => l !== '');
  // The only command is core's own error annotation (its data escaped by core); the info lines are plain text.
  expect(lines.filter((l) => /^\s*::/.test(l))).toEqual([expect.stringMatching(/^::error title=title::line one%0A/)]);
  expect(lines.some((l) => l.includes('##['))).toBe(false);
  expect(written.join('')).not.toContain('U2VjcmV0U2lnVmFsdWU');
});
