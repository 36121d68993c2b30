/**
 * How far ahead of the receiving clock a spend record's `occurredAt` may be (SPEC 7): a source's clock may run a
 * little fast, but spend dated later than this is refused (`occurred_in_future`), never debited now.
 */
export const SPEND_FUTURE_SKEW_MS = 15 * 60 * 1000;
