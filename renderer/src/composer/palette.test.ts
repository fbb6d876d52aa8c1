import { describe, expect, it } from 'vitest';
import { parseXpcJson } from '../../../app/xpc/json';
import { insertSnippet, PALETTE_TAGS, paletteSnippet } from './palette';

const context = { nowNs: 1_763_845_001_123_456_789n, uuid: '0123ABCD-89AB-CDEF-0123-456789ABCDEF' };

describe('paletteSnippet', () => {
  it.each(PALETTE_TAGS)('%s inserts a valid tagged value of that type', (tag) => {
    const snippet = paletteSnippet(tag, context);
    const parsed = parseXpcJson(`{"v": ${snippet.text}}`);
    expect(parsed.ok ? parsed.value.type : parsed.error.message).toBe('dictionary');
    const expectedType = tag.slice(1);
    if (parsed.ok && parsed.value.type === 'dictionary') expect(parsed.value.entries.get('v')!.type).toBe(expectedType);
  });

  it('selects the placeholder inside the quotes so typing replaces it', () => {
    const snippet = paletteSnippet('$fd', context);
    expect(snippet.text).toBe('{"$fd": "/etc/hosts"}');
    expect(snippet.text.slice(...snippet.select)).toBe('/etc/hosts');
    const shmem = paletteSnippet('$shmem', context);
    expect(shmem.text.slice(...shmem.select)).toBe('4096');
  });

  it('fills $date with now and $uuid with the given uuid in lower case', () => {
    expect(paletteSnippet('$date', context).text).toBe('{"$date": "2025-11-22T20:56:41.123456789Z"}');
    expect(paletteSnippet('$uuid', context).text).toBe('{"$uuid": "0123abcd-89ab-cdef-0123-456789abcdef"}');
  });
});

describe('insertSnippet', () => {
  it('replaces the selection and selects the placeholder', () => {
    const snippet = paletteSnippet('$int64', context);
    const edit = insertSnippet('{"n": XX}', 6, 8, snippet);
    expect(edit.text).toBe('{"n": {"$int64": "0"}}');
    expect(edit.text.slice(edit.selectionStart, edit.selectionEnd)).toBe('0');
  });

  it('clamps a selection beyond the text', () => {
    const edit = insertSnippet('ab', 5, 9, { text: 'X', select: [0, 1] });
    expect(edit.text).toBe('abX');
    expect([edit.selectionStart, edit.selectionEnd]).toEqual([2, 3]);
  });
});
