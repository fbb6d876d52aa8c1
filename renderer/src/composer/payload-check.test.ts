import { describe, expect, it } from 'vitest';
import { checkPayload, formatPayloadError, tokenEnd } from './payload-check';

function failure(text: string) {
  const check = checkPayload(text);
  if (check.ok) throw new Error(`expected ${JSON.stringify(text)} to be refused`);
  return check;
}

describe('checkPayload', () => {
  it('accepts a dictionary and returns it', () => {
    const check = checkPayload('{"text": "hi", "n": {"$uint64": "7"}}');
    expect(check.ok).toBe(true);
    if (check.ok) expect([...check.value.entries.keys()]).toEqual(['text', 'n']);
  });

  it('reports a bad tag payload with its JSON path, line and column, and highlights the offending value', () => {
    const text = '{\n  "items": [\n    {"count": {"$int64": 5}}\n  ]\n}';
    const check = failure(text);
    expect(check.path).toBe('$.items[0].count');
    expect(check.reason).toBe('expected an integer string for $int64, got number');
    expect(check.line).toBe(3);
    expect(text.slice(check.start, check.end)).toBe('5');
    expect(check.column).toBe(text.split('\n')[2]!.indexOf('5') + 1);
    expect(formatPayloadError(check)).toBe('$.items[0].count: expected an integer string for $int64, got number — line 3, column 26');
  });

  it('highlights a whole string literal, e.g. an unknown tag key', () => {
    const text = '{"a": {"$int": "1"}}';
    const check = failure(text);
    expect(check.path).toBe('$.a');
    expect(text.slice(check.start, check.end)).toBe('"$int"');
  });

  it('points at the end of the text when it ends too early', () => {
    const text = '{"a": [1, 2';
    const check = failure(text);
    expect(check.start).toBe(text.length);
    expect(check.end).toBe(text.length);
    expect(check.line).toBe(1);
  });

  it('refuses a root that is not a dictionary, since a message is one', () => {
    const text = '\n  [1, 2]';
    const check = failure(text);
    expect(check.path).toBe('$');
    expect(check.reason).toBe('a message must be an XPC dictionary (a JSON object), got array');
    expect([check.line, check.column]).toEqual([2, 3]);
    expect(text.slice(check.start, check.end)).toBe('[');
  });

  it('reports a duplicate key at the key', () => {
    const text = '{"a": 1,\n "a": 2}';
    const check = failure(text);
    expect(check.reason).toBe('duplicate key "a"');
    expect(check.line).toBe(2);
    expect(text.slice(check.start, check.end)).toBe('"a"');
  });
});

describe('tokenEnd', () => {
  it('ends a string at its closing quote, skipping escaped quotes', () => {
    expect(tokenEnd('"a\\"b" x', 0)).toBe(6);
  });
  it('stops an unterminated string at the end of its line', () => {
    expect(tokenEnd('"abc\n"', 0)).toBe(4);
  });
  it('takes a whole number or word', () => {
    expect(tokenEnd('-12.5e3,', 0)).toBe(7);
    expect(tokenEnd('tru }', 0)).toBe(3);
  });
  it('takes one character of punctuation', () => {
    expect(tokenEnd('{}', 0)).toBe(1);
  });
});
