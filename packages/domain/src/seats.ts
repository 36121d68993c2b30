import { DomainError } from './errors';
import type { Level } from './levels';
import type { Action } from './roles';

/** The DSPs Trellis knows seats and deals on. */
export const DSPS = ['dv360', 'ttd', 'xandr', 'amazon', 'yahoo'] as const;
export type Dsp = (typeof DSPS)[number];
export const DSP_LABEL: Record<Dsp, string> = {
  dv360: 'Display & Video 360',
  ttd: 'The Trade Desk',
  xandr: 'Xandr Invest',
  amazon: 'Amazon DSP',
  yahoo: 'Yahoo DSP',
};

/** A DSP's own seat id: 1-64 characters of letters, digits and . _ : - (trimmed). */
export function validateExternalSeatId(raw: string): string {
  const id = raw.trim();
  if (!/^[A-Za-z0-9._:-]{1,64}$/.test(id)) {
    throw new DomainError('INVALID_INPUT', 'A seat id is 1-64 letters, digits or . _ : -', {
      seatId: '1-64 letters, digits or . _ : -',
    });
  }
  return id;
}

/** Where a seat sits, or where it would go. */
export interface SeatPlace {
  id: string;
  level: Level;
  /** Account ids from the root down to this account, this account last. */
  path: readonly string[];
}

export type SeatMove =
  /** Down the tree from where it sits (SPEC 4: an L1 to any descendant, an L2 to its own clients). */
  | { kind: 'assign-down'; authorizeOn: string; action: Extract<Action, 'seats.assign'> }
  /** An agency takes back a seat it had passed to one of its clients. */
  | { kind: 'take-back-to-agency'; authorizeOn: string; action: Extract<Action, 'seats.assign'> }
  /** Back to the level-1 account that linked it: always allowed for an L1 admin. */
  | { kind: 'reclaim-to-root'; authorizeOn: string; action: Extract<Action, 'seats.reclaim'> };

/**
 * Which kind of move taking a seat from `holder` to `target` is, and on which account (with which action) the actor
 * must be authorized for it. Anything else (sideways, upward other than the two take-backs) is refused (SPEC 4).
 */
export function classifySeatMove(
  seat: { linkedBy: string; holder: SeatPlace; previousHolder: string | null },
  target: SeatPlace,
): SeatMove {
  const { holder } = seat;
  if (target.id === holder.id)
    throw new DomainError('SEAT_ALREADY_THERE', 'The seat is already mapped to this account.');
  if (target.path.includes(holder.id)) return { kind: 'assign-down', authorizeOn: holder.id, action: 'seats.assign' };
  if (
    target.level === 2 &&
    holder.level === 3 &&
    holder.path.at(-2) === target.id &&
    seat.previousHolder === target.id
  ) {
    return { kind: 'take-back-to-agency', authorizeOn: target.id, action: 'seats.assign' };
  }
  if (target.level === 1 && target.id === seat.linkedBy && holder.path.includes(target.id)) {
    return { kind: 'reclaim-to-root', authorizeOn: target.id, action: 'seats.reclaim' };
  }
  throw new DomainError(
    'FORBIDDEN_BY_SEAT_RULE',
    'Seats move only down the tree from where they sit; an agency takes back only what it passed to its clients, ' +
      'and the holding takes any seat back.',
  );
}

/** A seat may go to an account only while it is active and, at level 3, holds no other seat on that DSP (SPEC 4). */
export function assertSeatTarget(target: { level: Level; archived: boolean }, seatsOnSameDsp: number): void {
  if (target.archived)
    throw new DomainError('ACCOUNT_ARCHIVED', 'That account is archived and accepts no seat assignments.');
  if (target.level === 3 && seatsOnSameDsp > 0) {
    throw new DomainError(
      'SEAT_ONE_PER_DSP',
      'A level-3 account holds at most one seat per DSP, and this one already has a seat on that DSP.',
    );
  }
}
