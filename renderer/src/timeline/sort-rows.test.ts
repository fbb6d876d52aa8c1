import { expect, test } from 'vitest';
import { EventBuilder } from '../../../app/model/event-builder';
import { InspectorModel } from '../../../app/model/inspector-model';
import { sortRows } from './sort-rows';

function model(): InspectorModel {
  const m = new InspectorModel();
  const s = new EventBuilder();
  s.add({ kind: 'process-attached', process: { pid: 1, uid: 0, gid: 0, name: 'zeta' }, processType: 'app' });
  s.add({ kind: 'process-attached', process: { pid: 2, uid: 0, gid: 0, name: 'Alpha' }, processType: 'app' });
  const send = (message: number, fromPid: number, size: number, summary: string) =>
    s.add({ kind: 'message-sent', message, connection: 1, messageKind: 'message', fromPid, service: 'svc', expectsReply: false, sync: false, size, boosting: false, summary });
  send(1, 1, 300, 'b');
  send(2, 2, 100, 'c');
  send(3, 1, 100, 'a');
  m.applyBatch(s.take());
  return m;
}

const messageRows = new Float64Array([2, 3, 4]);

test('numeric columns sort by value, ties keep arrival order, both directions', () => {
  const m = model();
  expect(Array.from(sortRows(m, messageRows, 'size', false))).toEqual([3, 4, 2]);
  expect(Array.from(sortRows(m, messageRows, 'size', true))).toEqual([2, 3, 4]);
});

test('rows without a value sort last in both directions', () => {
  const m = model();
  const s = m.rows;
  s.latency[s.slot(2)] = 5;
  s.latency[s.slot(4)] = 9;
  expect(Array.from(sortRows(m, messageRows, 'latency', false))).toEqual([2, 4, 3]);
  expect(Array.from(sortRows(m, messageRows, 'latency', true))).toEqual([4, 2, 3]);
});

test('names sort case-insensitively and summaries as text', () => {
  const m = model();
  expect(Array.from(sortRows(m, messageRows, 'from', false))).toEqual([3, 2, 4]);
  expect(Array.from(sortRows(m, messageRows, 'summary', false))).toEqual([4, 2, 3]);
});

test('sorting by sequence only reverses for descending', () => {
  const m = model();
  expect(Array.from(sortRows(m, messageRows, 'seq', true))).toEqual([4, 3, 2]);
  expect(Array.from(sortRows(m, messageRows, 'seq', false))).toEqual([2, 3, 4]);
});
