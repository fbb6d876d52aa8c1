import { describe, expect, it } from 'vitest';
import type { InspectorEvent } from '../../app/events/schema';
import { BoostLedger } from './boosts';
import { EventBus } from './event-bus';

describe('BoostLedger', () => {
  it('keeps the process boosted from the message to the sent reply, transferring through creation', () => {
    const bus = new EventBus(() => undefined);
    const events: InspectorEvent[] = [];
    bus.on((e) => events.push(e));
    const switches: boolean[] = [];
    const boosts = new BoostLedger({ pid: 7 }, bus, (on) => switches.push(on));
    boosts.messageArrived(1);
    boosts.transferToReply(1);
    boosts.messageHandled(1);
    expect(boosts.count).toBe(1);
    boosts.replyFinished(1);
    expect(switches).toEqual([true, false]);
    expect(events.map((e) => e.kind === 'boost' && `${e.delta}:${e.cause}:${e.count}`)).toEqual(['1:message:1', '1:reply-transfer:2', '-1:handled:1', '-1:reply-sent:0']);
  });

  it('does not transfer to a reply of a message that did not boost', () => {
    const bus = new EventBus(() => undefined);
    const boosts = new BoostLedger({ pid: 7 }, bus, () => undefined);
    boosts.transferToReply(3);
    expect(boosts.count).toBe(0);
  });

  it('drops every boost when the process exits', () => {
    const bus = new EventBus(() => undefined);
    const switches: boolean[] = [];
    const boosts = new BoostLedger({ pid: 7 }, bus, (on) => switches.push(on));
    boosts.messageArrived(1);
    boosts.messageArrived(2);
    boosts.processExited();
    expect(boosts.count).toBe(0);
    expect(switches).toEqual([true, false]);
  });
});
