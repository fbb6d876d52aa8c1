/**
 * The messages of the broker bench, shared by its client and service processes, and the one
 * answering rule the service applies on both paths (through the broker and direct):
 *   {op: "ping", n}   → {echo: <the request>}          (round-trip latency)
 *   {op: "tick", n}   one-way, counted                   (throughput)
 *   {op: "ack"}       → {ack: true}                      (flow control: answered after every earlier tick)
 *   {op: "count"}     → {count: ticks since last count, cpuUs: CPU time this process has used}
 */
import { dictGetString, xpc, type XpcValue } from '../../app/xpc/value';

/** A small request: about the size of a typical control message. */
export function ping(n: number): XpcValue {
  return xpc.dictionary({ op: xpc.string('ping'), n: xpc.int64(n), text: xpc.string('hello, service') });
}

export function tick(n: number): XpcValue {
  return xpc.dictionary({ op: xpc.string('tick'), n: xpc.int64(n), text: xpc.string('hello, service') });
}

export const ACK = xpc.dictionary({ op: xpc.string('ack') });
export const COUNT = xpc.dictionary({ op: xpc.string('count') });
const ACKED = xpc.dictionary({ ack: xpc.bool(true) });

/** One path's counter of one-way messages received. */
export class TickCounter {
  private ticks = 0;

  /** The reply to a request, or undefined for a one-way message (which is counted). */
  answer(body: XpcValue, expectsReply: boolean): XpcValue | undefined {
    if (!expectsReply) {
      this.ticks += 1;
      return undefined;
    }
    switch (dictGetString(body, 'op')) {
      case 'ack':
        return ACKED;
      case 'count': {
        const count = this.ticks;
        this.ticks = 0;
        const cpu = process.cpuUsage();
        return xpc.dictionary({ count: xpc.int64(count), cpuUs: xpc.int64(cpu.user + cpu.system) });
      }
      default:
        return xpc.dictionary({ echo: body });
    }
  }
}
