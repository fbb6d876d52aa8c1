/**
 * Turns a parsed filter into a predicate over row slots of a RowStore. The predicate reads the
 * typed columns directly; name matches are decided once per distinct string (service names,
 * process names) and cached, so a million rows cost a million array reads, not a million
 * string searches.
 */
import { NONE, ROW_KIND_CODE, RowFlag, type RowStore } from '../model/row-store';
import type { StringTable } from '../model/string-table';
import type { CompareOp, FilterNode, HasWhat, IsWhat, NamePattern, NumberField } from './ast';

/** What a filter reads: the rows, their interned strings and process names. */
export interface FilterContext {
  readonly rows: RowStore;
  readonly strings: StringTable;
  processName(pid: number): string;
}

export type SlotPredicate = (slot: number) => boolean;

export function compileFilter(node: FilterNode, context: FilterContext): SlotPredicate {
  return compile(node, context);
}

function compile(node: FilterNode, ctx: FilterContext): SlotPredicate {
  const rows = ctx.rows;
  switch (node.type) {
    case 'all':
      return () => true;
    case 'and': {
      const parts = node.items.map((item) => compile(item, ctx));
      if (parts.length === 2) {
        const [a, b] = parts as [SlotPredicate, SlotPredicate];
        return (s) => a(s) && b(s);
      }
      return (s) => {
        for (const part of parts) if (!part(s)) return false;
        return true;
      };
    }
    case 'or': {
      const parts = node.items.map((item) => compile(item, ctx));
      if (parts.length === 2) {
        const [a, b] = parts as [SlotPredicate, SlotPredicate];
        return (s) => a(s) || b(s);
      }
      return (s) => {
        for (const part of parts) if (part(s)) return true;
        return false;
      };
    }
    case 'not': {
      const inner = compile(node.item, ctx);
      return (s) => !inner(s);
    }
    case 'text': {
      // The summary is matched case-insensitively in place (no lower-cased copy per row); the
      // payload words the summary lacks are stored lower-cased.
      const needle = node.text;
      const pattern = new RegExp(needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i');
      const summary = rows.summary;
      const words = rows.payloadWords;
      return (s) => pattern.test(summary[s]!) || (words[s] !== '' && words[s]!.includes(needle));
    }
    case 'name':
      return compileName(node.field, node.pattern, ctx);
    case 'number':
      return compileNumber(node.field, node.op, node.value, rows);
    case 'kind': {
      if (node.rowKind !== undefined) {
        const code = node.rowKind;
        const kind = rows.kind;
        return (s) => kind[s] === code;
      }
      const code = node.eventKind!;
      const eventKind = rows.eventKind;
      return (s) => eventKind[s] === code;
    }
    case 'has':
      return compileHas(node.what, rows);
    case 'is':
      return compileIs(node.what, rows);
  }
}

function matchesPattern(text: string, pattern: NamePattern): boolean {
  return pattern.glob !== undefined ? pattern.glob.test(text) : text.toLowerCase().includes(pattern.text);
}

/** Caches one yes/no per string-table index (0 = not decided yet, 1 = yes, 2 = no). */
function stringMatcher(strings: StringTable, pattern: NamePattern): (index: number) => boolean {
  let decided = new Uint8Array(Math.max(16, strings.size));
  return (index) => {
    if (index < 0) return false;
    if (index >= decided.length) {
      const grown = new Uint8Array(Math.max(index + 1, decided.length * 2));
      grown.set(decided);
      decided = grown;
    }
    let answer = decided[index]!;
    if (answer === 0) {
      answer = matchesPattern(strings.text(index), pattern) ? 1 : 2;
      decided[index] = answer;
    }
    return answer === 1;
  };
}

function compileName(field: 'service' | 'job' | 'from' | 'to', pattern: NamePattern, ctx: FilterContext): SlotPredicate {
  const rows = ctx.rows;
  if (field === 'service' || field === 'job') {
    const matches = stringMatcher(ctx.strings, pattern);
    const job = rows.job;
    if (field === 'job') return (s) => matches(job[s]!);
    const service = rows.service;
    return (s) => matches(service[s]!) || matches(job[s]!);
  }
  // Process names by pid, decided once per pid for the life of this predicate.
  const byPid = new Map<number, boolean>();
  const pidMatches = (pid: number): boolean => {
    if (pid === NONE) return false;
    let answer = byPid.get(pid);
    if (answer === undefined) {
      answer = matchesPattern(ctx.processName(pid), pattern) || matchesPattern(String(pid), pattern);
      byPid.set(pid, answer);
    }
    return answer;
  };
  const column = field === 'from' ? rows.fromPid : rows.toPid;
  return (s) => pidMatches(column[s]!);
}

function compare(op: CompareOp, value: number): (x: number) => boolean {
  switch (op) {
    case '=':
      return (x) => x === value;
    case '!=':
      return (x) => x !== value;
    case '>':
      return (x) => x > value;
    case '>=':
      return (x) => x >= value;
    case '<':
      return (x) => x < value;
    case '<=':
      return (x) => x <= value;
  }
}

function compileNumber(field: NumberField, op: CompareOp, value: number, rows: RowStore): SlotPredicate {
  const test = compare(op, value);
  const column = (c: ArrayLike<number>): SlotPredicate => (s) => {
    const x = c[s]!;
    return x !== NONE && test(x);
  };
  switch (field) {
    case 'pid': {
      const from = rows.fromPid;
      const to = rows.toPid;
      // pid!=N means "neither end is N", the negation of pid:N.
      if (op === '!=') return (s) => from[s] !== value && to[s] !== value;
      return (s) => (from[s] !== NONE && test(from[s]!)) || (to[s] !== NONE && test(to[s]!));
    }
    case 'from':
      return column(rows.fromPid);
    case 'to':
      return column(rows.toPid);
    case 'conn':
      return column(rows.connection);
    case 'msg': {
      // A message id finds the message, its reply and anything referring to it.
      const message = rows.message;
      const inReplyTo = rows.inReplyTo;
      if (op === '!=') return (s) => message[s] !== value && inReplyTo[s] !== value;
      return (s) => (message[s] !== NONE && test(message[s]!)) || (inReplyTo[s] !== NONE && test(inReplyTo[s]!));
    }
    case 'seq':
      return column(rows.seq);
    case 'tx':
      return column(rows.tx);
    case 'latency':
      return column(rows.latency);
    case 'handler':
      return column(rows.handlerNs);
    case 'size': {
      const size = rows.size;
      const kind = rows.kind;
      // Only messages have a wire size; lifecycle rows have none.
      return (s) => kind[s]! <= ROW_KIND_CODE.error && test(size[s]!);
    }
  }
}

function compileHas(what: HasWhat, rows: RowStore): SlotPredicate {
  const flags = rows.flags;
  switch (what) {
    case 'error':
      return (s) => (flags[s]! & RowFlag.error) !== 0;
    case 'warning':
      return (s) => (flags[s]! & RowFlag.warning) !== 0;
    case 'boost':
      return (s) => (flags[s]! & RowFlag.boosting) !== 0;
    case 'reply': {
      return (s) => (flags[s]! & RowFlag.answered) !== 0;
    }
    case 'latency': {
      const latency = rows.latency;
      return (s) => latency[s] !== NONE;
    }
    case 'payload': {
      const kind = rows.kind;
      return (s) => kind[s]! <= ROW_KIND_CODE.reply && (flags[s]! & RowFlag.hasPayload) !== 0;
    }
  }
}

function compileIs(what: IsWhat, rows: RowStore): SlotPredicate {
  const flags = rows.flags;
  const kind = rows.kind;
  const message = ROW_KIND_CODE.message;
  const bit = (flag: number): SlotPredicate => (s) => (flags[s]! & flag) !== 0;
  switch (what) {
    case 'unanswered': {
      const resolved = RowFlag.answered | RowFlag.failed;
      return (s) => kind[s] === message && (flags[s]! & RowFlag.expectsReply) !== 0 && (flags[s]! & resolved) === 0;
    }
    case 'answered':
      return bit(RowFlag.answered);
    case 'failed':
      return bit(RowFlag.failed);
    case 'dropped':
      return (s) => kind[s] !== ROW_KIND_CODE.lifecycle && (flags[s]! & RowFlag.dropped) !== 0;
    case 'sync':
      return bit(RowFlag.sync);
    case 'async':
      return (s) => kind[s] === message && (flags[s]! & RowFlag.expectsReply) !== 0 && (flags[s]! & RowFlag.sync) === 0;
    case 'oneway':
      return (s) => kind[s] === message && (flags[s]! & RowFlag.expectsReply) === 0;
    case 'request':
      return (s) => kind[s] === message && (flags[s]! & RowFlag.expectsReply) !== 0;
    case 'boosting':
      return bit(RowFlag.boosting);
    case 'probe':
      return bit(RowFlag.probe);
    case 'delivered':
      return bit(RowFlag.delivered);
    case 'handled':
      return bit(RowFlag.handled);
    case 'error':
      return bit(RowFlag.error);
    case 'warning':
      return bit(RowFlag.warning);
  }
}
