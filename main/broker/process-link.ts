/**
 * One process on the broker socket: the hello handshake, then every frame decoded into a
 * protocol op and dispatched. A malformed frame or a protocol violation closes this one
 * socket with a `fatal` op naming the reason (and the reason is logged); nothing a process
 * sends can throw out of here.
 */
import { PROTOCOL_VERSION, type ProcessOp } from '../../app/protocol/ops';
import { decodeProcessOp, encodeBrokerOp } from '../../app/protocol/codec';
import type { IncomingMessage, MessageConnection } from '../transport/connection';
import { ProtocolViolation, type BrokerContext } from './context';
import type { Lifecycle } from './lifecycle';
import { executableOf } from './peer-identity';
import { describePeer } from './socket-limits';
import type { ProcessRecord } from './records';
import type { Router } from './router';

/** How long a process told `fatal` has to read it before its socket is closed outright. */
const FATAL_CLOSE_GRACE_MS = 1000;

export class ProcessLinks {
  constructor(
    private readonly ctx: BrokerContext,
    private readonly router: Router,
    private readonly lifecycle: Lifecycle,
    /** Job label for a launch token, if the token is one the broker handed out. */
    private readonly jobForToken: (token: string) => string | undefined,
  ) {}

  accept(link: MessageConnection): void {
    let record: ProcessRecord | undefined;
    let dead = false;
    const from = `pid ${link.peer.pid}`;
    // A socket that never says hello would otherwise hold a connection slot for ever.
    const helloMs = this.ctx.timings.helloTimeoutMs;
    let helloTimer: NodeJS.Timeout | undefined = setTimeout(() => {
      helloTimer = undefined;
      if (record !== undefined || dead || link.closed) return;
      dead = true;
      this.fatal(link, `${describePeer(link.peer)} did not say hello within ${helloMs} ms of connecting`);
    }, helloMs);
    helloTimer.unref();
    const stopHelloTimer = (): void => {
      if (helloTimer !== undefined) clearTimeout(helloTimer);
      helloTimer = undefined;
    };
    link.on('message', (m) => {
      if (dead || link.closed) return;
      const decoded = decodeProcessOp(m.value, from);
      if (!decoded.ok) {
        dead = true;
        this.fatal(link, decoded.error);
        return;
      }
      const op = decoded.op;
      try {
        if (record === undefined) {
          if (op.op !== 'hello') throw new ProtocolViolation(`the first frame must be 'hello', got '${op.op}'`);
          stopHelloTimer();
          record = this.hello(link, op);
          return;
        }
        this.dispatch(record, op, m);
      } catch (error) {
        const text = error instanceof Error ? error.message : String(error);
        const reason = `op '${op.op}' from ${record?.label ?? from}: ${text}`;
        if (!(error instanceof ProtocolViolation)) this.ctx.report(`internal error handling ${reason}${error instanceof Error && error.stack ? `\n${error.stack}` : ''}`);
        dead = true;
        this.fatal(link, reason);
      }
    });
    link.on('close', ({ reason, error }) => {
      stopHelloTimer();
      if (error !== undefined) this.ctx.report(`connection of ${record?.label ?? from} closed: ${reason}`);
      if (record === undefined) return;
      try {
        this.lifecycle.socketClosed(record, reason);
      } catch (e) {
        this.ctx.report(`internal error cleaning up after ${record.label}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      }
    });
  }

  private hello(link: MessageConnection, op: Extract<ProcessOp, { op: 'hello' }>): ProcessRecord {
    if (op.version !== PROTOCOL_VERSION) throw new ProtocolViolation(`protocol version ${op.version} is not supported (the broker speaks version ${PROTOCOL_VERSION})`);
    const { pid, uid, gid } = link.peer;
    let job: string | undefined;
    if (op.token !== undefined) {
      job = this.jobForToken(op.token);
      if (job === undefined) throw new ProtocolViolation('the job token is not one this broker issued (a process left over from an earlier broker?)');
    }
    const name = op.name.length > 0 ? op.name.slice(0, 200) : `pid ${pid}`;
    const record: ProcessRecord = {
      link,
      pid,
      uid,
      gid,
      executable: executableOf(pid),
      name,
      processType: op.processType,
      connections: new Map(),
      listeners: new Map(),
      peers: new Map(),
      inflight: new Map(),
      gone: false,
      label: `${job ?? name} (pid ${pid})`,
    };
    this.lifecycle.socketOpened(pid);
    const instance = job === undefined ? undefined : this.lifecycle.adopt(record, job);
    if (job !== undefined && instance === undefined) this.ctx.report(`${record.label} carries the token of ${job} but is not the process launched for it; treating it as a plain client`);
    this.ctx.bus.emit({
      kind: 'process-attached',
      process: { pid, uid, gid, name, ...(record.executable.ok ? { executable: record.executable.path } : {}) },
      processType: op.processType,
      ...(instance !== undefined ? { job: instance.job.label } : {}),
    });
    this.ctx.send(record, { op: 'hello-ok', pid, ...(instance !== undefined ? { job: instance.job.label } : {}) });
    return record;
  }

  private dispatch(proc: ProcessRecord, op: ProcessOp, m: IncomingMessage): void {
    const r = this.router;
    switch (op.op) {
      case 'hello':
        throw new ProtocolViolation('hello was already received');
      case 'listen': {
        const listener = r.listen(proc, op);
        if (listener !== undefined) this.lifecycle.listenerRegistered(proc, listener);
        return;
      }
      case 'listener-cancel':
        return r.listenerCancel(proc, op.listener);
      case 'connect':
        return r.connect(proc, op);
      case 'activate':
        return r.activate(proc, op.connection);
      case 'suspend':
        return r.suspend(proc, op.connection);
      case 'resume':
        return r.resume(proc, op.connection);
      case 'cancel':
        return r.cancel(proc, op.connection);
      case 'send':
        return r.send(proc, op, frameId(m), m.frame, m.located);
      case 'barrier':
        return r.barrier(proc, op);
      case 'peer-activate':
        return r.peerActivate(proc, op.peer);
      case 'peer-suspend':
        return r.peerSuspend(proc, op.peer);
      case 'peer-resume':
        return r.peerResume(proc, op.peer);
      case 'peer-cancel':
        return r.peerCancel(proc, op);
      case 'peer-send':
        return r.peerSend(proc, op, m.frame, m.located);
      case 'handled':
        return r.handled(proc, op);
      case 'reply':
        return r.reply(proc, op, m.frame, m.located);
      case 'reply-dropped':
        return r.replyDropped(proc, op.request);
      case 'txn-begin':
        return this.lifecycle.explicitBegin(proc);
      case 'txn-end':
        if (!this.lifecycle.explicitEnd(proc)) throw new ProtocolViolation('transaction end without a matching begin');
        return;
    }
  }

  private fatal(link: MessageConnection, reason: string): void {
    this.ctx.report(`closing the connection of pid ${link.peer.pid}: ${reason}`);
    if (!link.closed) link.send(encodeBrokerOp({ op: 'fatal', reason }), 0n);
    link.end(reason);
    // A peer that never closes its end must not keep the socket half-open.
    setTimeout(() => link.close(reason), FATAL_CLOSE_GRACE_MS).unref();
  }
}

function frameId(m: IncomingMessage): number {
  if (m.messageId > BigInt(Number.MAX_SAFE_INTEGER)) throw new ProtocolViolation(`frame id ${m.messageId} is too large for a request id`);
  return Number(m.messageId);
}
