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

  it('prefixes text that a spreadsheet would run as a formula with a quote', () => {
    expect(csvField('=HYPERLINK("http://evil.example","x")')).toBe('"\'=HYPERLINK(""http://evil.example"",""x"")"');
    expect(csvField('+cmd|/C calc!A0')).toBe("'+cmd|/C calc!A0");
    expect(csvField('-2+3+cmd|/C calc!A0')).toBe("'-2+3+cmd|/C calc!A0");
    expect(csvField('@SUM(A1:A9)')).toBe("'@SUM(A1:A9)");
    expect(csvField('\t=1+1')).toBe("'\t=1+1");
    expect(csvField('\r=1+1')).toBe('"\'\r=1+1"');
    // Numbers, and text that is just a number, are left alone.
    expect(csvField(-1.5)).toBe('-1.5');
    expect(csvField('-12.5')).toBe('-12.5');
    expect(csvField('a=b')).toBe('a=b');
  });

  it('writes a header record and one CRLF-terminated record per row', () => {
    const rows = [{ name: 'echo', n: 1 }, { name: 'x,y', n: 2 }];
    expect(toCsv([{ title: 'name', value: (r: (typeof rows)[number]) => r.name }, { title: 'count', value: (r) => r.n }], rows)).toBe(
      'name,count\r\necho,1\r\n"x,y",2\r\n',
    );
  });
});
