import { describe, expect, it } from 'vitest';
import { csvField, csvRecord, toCsv } from './csv';

describe('CSV (RFC 4180)', () => {
  it('quotes fields holding a comma, a quote, CR or LF, doubling the quotes inside', () => {
    expect(csvField('plain text')).toBe('plain text');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
  });

  it('writes empty fields for null and undefined, and numbers and booleans as text', () => {
    expect(csvRecord([null, undefined, 0, -1.5, true, ''])).toBe(',,0,-1.5,true,\r\n');
  });

  it('writes a header record and one CRLF-terminated record per row', () => {
    const rows = [{ name: 'echo', n: 1 }, { name: 'x,y', n: 2 }];
    expect(toCsv([{ title: 'name', value: (r: (typeof rows)[number]) => r.name }, { title: 'count', value: (r) => r.n }], rows)).toBe(
      'name,count\r\necho,1\r\n"x,y",2\r\n',
    );
  });
});
