import { describe, expect, it } from 'vitest';
import {
  assertMayDisconnect,
  assertMayRequest,
  closeOtherRequests,
  requestsClosedByNew,
  CONNECTION_REQUEST_TTL_MS,
  currentState,
  transition,
  type ConnectionEvent,
  type ConnectionState,
  type Side,
} from './connections';
import { codeOf } from './test-support';

const requestedAt = new Date('2026-11-01T00:00:00Z');
const fresh = new Date(requestedAt.getTime() + 1000);
const late = new Date(requestedAt.getTime() + CONNECTION_REQUEST_TTL_MS);

const outcome = (state: ConnectionState, requestedBy: Side, event: ConnectionEvent, by: Side, now: Date) => {
  try {
    return transition({ state, requestedBySide: requestedBy, requestedAt }, event, by, now);
  } catch (e) {
    return (e as { code: string }).code;
  }
};

// Every state x event x acting side (and requester), SPEC 2.2. 'expired' is reached by time, not stored.
const TABLE: [ConnectionState, Side, ConnectionEvent, Side, string][] = [];
const STATES: ConnectionState[] = [
  'requested',
  'accepted',
  'declined',
  'expired',
  'disconnected',
  'cancelled',
  'withdrawn',
];
const EVENTS: ConnectionEvent[] = ['accept', 'decline', 'disconnect', 'withdraw'];
const SIDES: Side[] = ['client', 'agency'];
for (const state of STATES)
  for (const requestedBy of SIDES)
    for (const event of EVENTS)
      for (const by of SIDES) {
        let want: string;
        if (state === 'requested')
          want =
            event === 'disconnect'
              ? 'CONNECTION_INVALID'
              : event === 'withdraw'
                ? requestedBy === 'client' && by === 'client'
                  ? 'withdrawn'
                  : 'CONNECTION_INVALID'
                : by === requestedBy
                  ? 'CONNECTION_INVALID'
                  : event === 'accept'
                    ? 'accepted'
                    : 'declined';
        else if (state === 'accepted') want = event === 'disconnect' ? 'disconnected' : 'CONNECTION_INVALID';
        else if (state === 'expired') want = 'CONNECTION_EXPIRED';
        else want = 'CONNECTION_INVALID';
        TABLE.push([state, requestedBy, event, by, want]);
      }

describe('the connection state machine (SPEC 2.2)', () => {
  it.each(TABLE)('%s (asked by %s) + %s by %s -> %s', (state, requestedBy, event, by, want) => {
    // a stored 'expired' is the same as a 'requested' row read after 14 days
    const [stored, now] = state === 'expired' ? (['requested', late] as const) : ([state, fresh] as const);
    expect(outcome(stored, requestedBy, event, by, now)).toBe(want);
  });

  it('expires a request exactly 14 days after it was sent', () => {
    expect(
      currentState({ state: 'requested', requestedBySide: 'client', requestedAt }, new Date(late.getTime() - 1)),
    ).toBe('requested');
    expect(currentState({ state: 'requested', requestedBySide: 'client', requestedAt }, late)).toBe('expired');
    expect(currentState({ state: 'accepted', requestedBySide: 'client', requestedAt }, late)).toBe('accepted');
  });

  it.each([
    ['a free premium client', 'premium', null, false, 'ok'],
    ['a standard client', 'standard', null, false, 'FORBIDDEN_FOR_STANDARD_CLIENT'],
    ['a client already connected', 'premium', 'agency-1', false, 'CLIENT_ALREADY_CONNECTED'],
    ['an archived client', 'premium', null, true, 'ACCOUNT_ARCHIVED'],
  ] as const)('lets %s request: %s', (_l, clientTier, connectedAgencyId, archived, want) => {
    expect(codeOf(() => assertMayRequest({ clientTier, connectedAgencyId, archived }))).toBe(want);
  });

  it.each([
    ['requested', 'withdraw', 'withdrawn'],
    ['withdrawn', 'withdraw', 'This request was already withdrawn.'],
    ['withdrawn', 'accept', 'The client withdrew this request; it can no longer be answered.'],
    ['declined', 'withdraw', 'This request was declined; send a new one.'],
    ['accepted', 'withdraw', 'This request was accepted and the two are connected; disconnect instead.'],
  ] as const)('a client request %s, then %s: %s', (state, event, want) => {
    const by: Side = event === 'withdraw' ? 'client' : 'agency';
    const answer = () => {
      try {
        return transition({ state, requestedBySide: 'client', requestedAt }, event, by, fresh);
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(answer()).toBe(want);
  });

  it("refuses to let anyone withdraw an agency's request: the client declines it", () => {
    const fromAgency = { state: 'requested' as const, requestedBySide: 'agency' as const, requestedAt };
    expect(() => transition(fromAgency, 'withdraw', 'agency', fresh)).toThrow(
      'Only a request the client sent can be withdrawn, by the client; decline this one instead.',
    );
  });

  it('refuses to answer a cancelled request without saying why', () => {
    const cancelled = { state: 'cancelled' as const, requestedBySide: 'client' as const, requestedAt };
    const e = (() => {
      try {
        transition(cancelled, 'accept', 'agency', fresh);
      } catch (x) {
        return x as { code: string; message: string };
      }
    })();
    expect([e?.code, e?.message]).toEqual(['CONNECTION_INVALID', 'This request is no longer open.']);
  });

  it('closes every other open request of a client: expired past 14 days, cancelled otherwise', () => {
    const open = [
      { id: 'new', state: 'requested' as const, requestedBySide: 'client' as const, requestedAt },
      {
        id: 'old',
        state: 'requested' as const,
        requestedBySide: 'agency' as const,
        requestedAt: new Date(requestedAt.getTime() - CONNECTION_REQUEST_TTL_MS),
      },
      { id: 'done', state: 'declined' as const, requestedBySide: 'client' as const, requestedAt },
    ];
    expect(closeOtherRequests(open, fresh)).toEqual([
      { id: 'new', state: 'cancelled' },
      { id: 'old', state: 'expired' },
    ]);
  });

  it.each([
    ['a client replaces only its own earlier request', 'client', ['mine']],
    ["an agency's request cancels nothing the client sent", 'agency', []],
  ] as const)('%s (and an expired one between the same two is closed)', (_, side, closed) => {
    const open = [
      { id: 'mine', agencyId: 'x', state: 'requested' as const, requestedBySide: 'client' as const, requestedAt },
      { id: 'incoming', agencyId: 'y', state: 'requested' as const, requestedBySide: 'agency' as const, requestedAt },
      {
        id: 'stale',
        agencyId: 'z',
        state: 'requested' as const,
        requestedBySide: 'agency' as const,
        requestedAt: new Date(requestedAt.getTime() - CONNECTION_REQUEST_TTL_MS),
      },
    ];
    expect(requestsClosedByNew(side, 'z', open, fresh)).toEqual([
      ...closed.map((id) => ({ id, state: 'cancelled' })),
      { id: 'stale', state: 'expired' },
    ]);
  });

  it('lets only a connected premium client disconnect', () => {
    expect(codeOf(() => assertMayDisconnect({ kind: 'client', clientTier: 'premium', connectedAgencyId: 'a' }))).toBe(
      'ok',
    );
    expect(codeOf(() => assertMayDisconnect({ kind: 'client', clientTier: 'standard', connectedAgencyId: 'a' }))).toBe(
      'FORBIDDEN_FOR_STANDARD_CLIENT',
    );
    expect(codeOf(() => assertMayDisconnect({ kind: 'client', clientTier: 'premium', connectedAgencyId: null }))).toBe(
      'CONNECTION_INVALID',
    );
    // an agency or a holding named instead of a client: told to name the client, not that it is a standard client
    for (const kind of ['agency', 'holding'] as const)
      expect(() => assertMayDisconnect({ kind, clientTier: null, connectedAgencyId: 'x' })).toThrow(
        'Only a client is disconnected from its agency: name the client.',
      );
  });
});
