import { redactSas } from '../../src/report.js';

// What redactSas removes from build-log lines, diagnosis text and URLs (contract 10).
test.each([
  ['GET https://x.blob.core.windows.net/c/f.sh?sv=2022-11-02&se=2026-01-01T00%3A00%3A00Z&sig=c2lnU0VDUkVU%2B%3D done', 'GET https://x.blob.core.windows.net/c/f.sh done', 'c2lnU0VDUkVU'],
  ['https://x.blob.core.windows.net/c/f.sh?se=2026-01-01&sv=2022-11-02', 'https://x.blob.core.windows.net/c/f.sh', 'se='],
  ['token ?sv=2022-11-02&ss=b&sig=c2lnU0VDUkVU%2Bdef&x=1 end', 'token ?sv=2022-11-02&ss=b&sig=***&x=1 end', 'c2lnU0VDUkVU'],
  ['DefaultEndpointsProtocol=https;AccountName=a;AccountKey=S2V5U0VDUkVU/+==;EndpointSuffix=core.windows.net', 'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=***;EndpointSuffix=core.windows.net', 'S2V5U0VDUkVU'],
  ['[DEBUG] Authorization: Bearer eyJhbGc.UEFZTE9BRA.c2ln', '[DEBUG] Authorization: Bearer ***', 'eyJhbGc'],
  ['map[Authorization:[SharedKey acct:U2hhcmVk+/=] X:[1]]', 'map[Authorization:[SharedKey ***] X:[1]]', 'U2hhcmVk'],
  ['{"Authorization": "Bearer eyJhbGc.a.b"}', '{"Authorization": "Bearer ***"}', 'eyJhbGc'],
])('%s', (input, expected, secret) => {
  expect(redactSas(input)).toBe(expected);
  expect(redactSas(input)).not.toContain(secret);
});

test('text without secrets is left alone', () => {
  for (const t of ['a Bearer token was refused', 'see https://aka.ms/azvmimagebuilderts?x=1', 'Signature verified; sign=ok']) expect(redactSas(t)).toBe(t);
});
