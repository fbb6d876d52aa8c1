import { expect, test } from 'vitest';
import { xpc } from '../xpc/value';
import { missingPayloadWords, payloadText } from './payload-text';

test('XPC-JSON trees give keys and scalar words; type tags give their searchable payload only', () => {
  const tree = { op: 'open', path: { $fd: '/etc/hosts' }, size: { $uint64: '18446744073709551615' }, blob: { $data: 'AAEC' }, nested: [{ $error: 'Peer Forbidden' }] };
  expect(payloadText(tree)).toBe('op open path /etc/hosts size 18446744073709551615 blob nested Peer Forbidden');
});

test('a $dict wrapper and $entries are searched as the dictionary they stand for', () => {
  expect(payloadText({ $dict: { $weird: 1 } })).toBe('$weird 1');
  expect(payloadText({ $entries: [['2', 'two'], ['1', 'one']] })).toBe('2 two 1 one');
});

test('XpcValue objects are searched the same way', () => {
  const value = xpc.dictionary({ op: xpc.string('open'), n: xpc.int64(5n), ep: xpc.endpoint('com.example.helper') });
  expect(payloadText(value)).toBe('op open n 5 ep com.example.helper');
});

test('the text is bounded however large the payload', () => {
  const big = { items: Array.from({ length: 10_000 }, (_, i) => `item-${i}`) };
  expect(payloadText(big, 100).length).toBeLessThanOrEqual(110);
});

test('only the payload words the summary lacks are kept, lower-cased; none when it shows them all', () => {
  expect(missingPayloadWords('{op: "Fetch"}', { op: 'Fetch', user: 'Alice' })).toBe('user alice');
  expect(missingPayloadWords('{op: "fetch"}', { op: 'FETCH' })).toBe('');
});
