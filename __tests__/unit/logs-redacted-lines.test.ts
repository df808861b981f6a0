import { Readable } from 'node:stream';
import { LineRedactor, redactingTransform } from '../../src/logs/redacted-lines.js';

const sig = 'U2VjcmV0U2lnbmF0dXJlVmFsdWU%3D';

describe('LineRedactor', () => {
  test('a secret split between two chunks is redacted whole; only whole lines come out', () => {
    const r = new LineRedactor();
    const text = Buffer.from(`one\nGET https://a/b?sv=1&sig=${sig} ok\nlast`);
    const cut = text.indexOf('U2VjcmV0') + 4;
    const a = r.push(text.subarray(0, cut));
    const b = r.push(text.subarray(cut));
    expect(a.toString()).toBe('one\n');
    expect(b.toString()).toBe('GET https://a/b ok\n');
    expect(r.pendingBytes.toString()).toBe('last');
    expect(r.end().toString()).toBe('last');
  });

  test('bytes that are not secrets come out unchanged, even invalid UTF-8 and lone \\r', () => {
    const bytes = Buffer.concat([Buffer.from('caf\u00e9 \u2713\r'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('\n\r\nend')]);
    const r = new LineRedactor();
    const out = Buffer.concat([...bytes].map((x) => r.push(Buffer.from([x]))).concat([r.end()]));
    expect(out.equals(bytes)).toBe(true);
  });

  test('a pending line handed over from an earlier pass continues', () => {
    const r = new LineRedactor(Buffer.from('GET https://a/b?sv=1&si'));
    expect(r.push(Buffer.from(`g=${sig}\n`)).toString()).toBe('GET https://a/b\n');
  });

  test('an endless line is cut (bounded memory), never inside a labelled secret', () => {
    const r = new LineRedactor(undefined, 1000);
    let out = '';
    for (let i = 0; i < 50; i++)
      out += r.push(Buffer.from(`word${i} `.repeat(20) + `Authorization: Bearer tok${'x'.repeat(30)}${i} `)).toString();
    out += r.end().toString();
    expect(r.pendingBytes.length).toBe(0);
    expect(out).not.toMatch(/tokx/);
    expect(out).not.toContain('\n');
  });

  test('as a stream transform: counts the bytes taken in', async () => {
    const r = new LineRedactor();
    const t = redactingTransform(r);
    const chunks: Buffer[] = [];
    t.on('data', (c: Buffer) => chunks.push(c));
    await new Promise<void>((resolve, reject) => {
      Readable.from([Buffer.from('a sig='), Buffer.from(`${sig}\nb`)])
        .pipe(t)
        .on('finish', resolve)
        .on('error', reject);
    });
    expect(Buffer.concat(chunks).toString()).toBe('a sig=***\nb');
    expect(t.bytesIn()).toBe(Buffer.byteLength(`a sig=${sig}\nb`));
  });
});
