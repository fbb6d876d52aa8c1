import { describe, expect, it } from 'vitest';
import { addToHistory, HISTORY_LIMIT, parseHistory, parseTemplates, putTemplate, removeTemplate, type ComposerDraft, type HistoryEntry, type Template } from './saved-messages';

const draft: ComposerDraft = { service: 'com.example.echo', privileged: false, mode: 'send-with-reply', processType: 'app', payload: '{"text": "hi"}' };
const entry = (n: number): HistoryEntry => ({ ...draft, sentAtMs: n, outcome: `reply in ${n} ms`, ok: true });
const template = (name: string, service = draft.service): Template => ({ ...draft, service, name });

describe('history', () => {
  it('keeps the newest entry first and drops the oldest beyond the limit', () => {
    let history: HistoryEntry[] = [];
    for (let n = 1; n <= HISTORY_LIMIT + 5; n++) history = addToHistory(history, entry(n));
    expect(history).toHaveLength(HISTORY_LIMIT);
    expect(history[0]!.sentAtMs).toBe(HISTORY_LIMIT + 5);
    expect(history.at(-1)!.sentAtMs).toBe(6);
  });

  it('reads back what was stored', () => {
    const history = [entry(2), entry(1)];
    expect(parseHistory(JSON.stringify(history))).toEqual(history);
  });

  it('drops malformed entries and survives text that is not JSON', () => {
    const stored = JSON.stringify([entry(3), { ...entry(2), mode: 'shout' }, { ...entry(1), payload: 5 }, null, 'x', { ...entry(0), sentAtMs: 'yesterday' }]);
    expect(parseHistory(stored)).toEqual([entry(3)]);
    expect(parseHistory('{not json')).toEqual([]);
    expect(parseHistory('{"a": 1}')).toEqual([]);
    expect(parseHistory(null)).toEqual([]);
  });
});

describe('templates', () => {
  it('replaces a template of the same name and keeps the list sorted by name', () => {
    let templates = putTemplate([], template('ping'));
    templates = putTemplate(templates, template('alpha'));
    templates = putTemplate(templates, template('ping', 'com.example.flaky'));
    expect(templates.map((t) => [t.name, t.service])).toEqual([
      ['alpha', 'com.example.echo'],
      ['ping', 'com.example.flaky'],
    ]);
  });

  it('deletes by name', () => {
    expect(removeTemplate([template('a'), template('b')], 'a').map((t) => t.name)).toEqual(['b']);
  });

  it('reads back stored templates, dropping nameless ones and keeping the last of a duplicated name', () => {
    const stored = JSON.stringify([template('b'), template(''), template('a'), template('b', 'com.example.clockd')]);
    expect(parseTemplates(stored).map((t) => [t.name, t.service])).toEqual([
      ['a', 'com.example.echo'],
      ['b', 'com.example.clockd'],
    ]);
  });
});
