import { DomainError } from './errors';

/** A premium client and an agency connect by request and answer (SPEC 2.2). */
export const CONNECTION_REQUEST_TTL_MS = 14 * 24 * 60 * 60 * 1000;
export type Side = 'client' | 'agency';
export type ConnectionState =
  'requested' | 'accepted' | 'declined' | 'expired' | 'disconnected' | 'cancelled' | 'withdrawn';
export type ConnectionEvent = 'accept' | 'decline' | 'disconnect' | 'withdraw';

export interface ConnectionFacts {
  state: ConnectionState;
  requestedBySide: Side;
  requestedAt: Date;
}

/** The state as of `now`: a request unanswered for 14 days has expired, whatever the stored row says. */
export function currentState(c: ConnectionFacts, now: Date): ConnectionState {
  if (c.state === 'requested' && now.getTime() >= c.requestedAt.getTime() + CONNECTION_REQUEST_TTL_MS) return 'expired';
  return c.state;
}

/**
 * The connection state machine: requested -> accepted | declined (by the side that did not ask) | expired (14 days);
 * accepted -> disconnected (by either side); requested -> cancelled when a newer request of the client replaces it or
 * another agency's connection is accepted; requested -> withdrawn by the client, for a request the client sent (one
 * from an agency, the client declines). Anything else is refused with the reason. Returns the next state.
 */
export function transition(c: ConnectionFacts, event: ConnectionEvent, by: Side, now: Date): ConnectionState {
  const state = currentState(c, now);
  switch (state) {
    case 'requested':
      if (event === 'disconnect') throw invalid('A pending request cannot be disconnected; decline it instead.');
      if (event === 'withdraw') {
        if (c.requestedBySide !== 'client' || by !== 'client')
          throw invalid('Only a request the client sent can be withdrawn, by the client; decline this one instead.');
        return 'withdrawn';
      }
      if (by === c.requestedBySide) throw invalid(`The ${by} sent this request; the other side answers it.`);
      return event === 'accept' ? 'accepted' : 'declined';
    case 'accepted':
      if (event === 'disconnect') return 'disconnected';
      if (event === 'withdraw')
        throw invalid('This request was accepted and the two are connected; disconnect instead.');
      throw invalid('This connection is already accepted.');
    case 'expired':
      throw new DomainError('CONNECTION_EXPIRED', 'This request expired after 14 days; send a new one.');
    case 'declined':
      throw invalid('This request was declined; send a new one.');
    case 'disconnected':
      throw invalid('This connection has ended; send a new request to connect again.');
    case 'withdrawn':
      throw invalid(
        event === 'withdraw'
          ? 'This request was already withdrawn.'
          : 'The client withdrew this request; it can no longer be answered.',
      );
    case 'cancelled':
      // says nothing about why (a newer request, or another agency's acceptance): that is not this side's business
      throw invalid('This request is no longer open.');
    default: {
      const never: never = state;
      throw new Error(`unhandled connection state ${String(never)}`);
    }
  }
}

/** Who may ask: only a premium client connects by request (a standard client moves only by transfer), and only when free. */
export function assertMayRequest(client: {
  clientTier: 'standard' | 'premium' | null;
  connectedAgencyId: string | null;
  archived: boolean;
}): void {
  if (client.clientTier !== 'premium') {
    throw new DomainError(
      'FORBIDDEN_FOR_STANDARD_CLIENT',
      'A standard client changes agency only by a platform-operator transfer.',
    );
  }
  if (client.archived) throw new DomainError('ACCOUNT_ARCHIVED', 'This client is archived.');
  if (client.connectedAgencyId !== null) {
    throw new DomainError(
      'CLIENT_ALREADY_CONNECTED',
      'This client is already connected to an agency; it must disconnect first.',
    );
  }
}

/** Only a premium connection may be ended by either side; a standard client belongs to its agency. */
export function assertMayDisconnect(client: {
  kind: 'holding' | 'agency' | 'client';
  clientTier: 'standard' | 'premium' | null;
  connectedAgencyId: string | null;
}): void {
  // a holding or an agency has no connection of its own to end: it ends a client's, named by the client's id
  if (client.kind !== 'client') throw invalid('Only a client is disconnected from its agency: name the client.');
  if (client.clientTier !== 'premium') {
    throw new DomainError(
      'FORBIDDEN_FOR_STANDARD_CLIENT',
      'A standard client cannot disconnect; a platform operator may transfer it.',
    );
  }
  if (client.connectedAgencyId === null) throw invalid('This client is not connected to an agency.');
}

function invalid(message: string): DomainError {
  return new DomainError('CONNECTION_INVALID', message);
}

/**
 * The client's open requests that a new request from `side` to `agencyId` closes (SPEC 2.2): a client's new request
 * replaces its own earlier one; a request an agency sends never cancels one the client sent (the client sees incoming
 * requests beside its own and chooses). Either way an expired one between the same two is closed, to make room.
 */
export function requestsClosedByNew<T extends ConnectionFacts & { id: string; agencyId: string }>(
  side: Side,
  agencyId: string,
  open: readonly T[],
  now: Date,
): { id: string; state: 'expired' | 'cancelled' }[] {
  return closeOtherRequests(
    open.filter(
      (c) =>
        (side === 'client' && c.requestedBySide === 'client') ||
        (c.agencyId === agencyId && currentState(c, now) === 'expired'),
    ),
    now,
  );
}

/**
 * Accepting a connection cancels every other open request of that client (SPEC 2.2). Given the client's other stored open requests, the
 * state each one is closed with: `expired` when its 14 days are over anyway, otherwise `cancelled`.
 */
export function closeOtherRequests<T extends ConnectionFacts & { id: string }>(
  open: readonly T[],
  now: Date,
): { id: string; state: 'expired' | 'cancelled' }[] {
  return open
    .filter((c) => c.state === 'requested')
    .map((c) => ({
      id: c.id,
      state: currentState(c, now) === 'expired' ? ('expired' as const) : ('cancelled' as const),
    }));
}
