import { z } from 'zod';
import { ACCOUNT_KINDS, CLIENT_TIERS, DEAL_TYPES, ROLES, type TreeNode } from '@trellis/domain';
import type { Account, AuditEntry, Campaign, Deal, Invitation, MemberListing, Seat } from '@trellis/db';
import { limit, text } from './inputs';

/** Output shapes: nothing leaves the api that is not named here (STYLE: every procedure has .output()). */
export { id } from './inputs';
export const iso = z.string();

/**
 * An output shape checked synchronously. tRPC validates a zod schema with `parseAsync`, about 7 times slower than
 * `parse` (a promise per field): for outputs of thousands of rows (reports) that was a fifth of a request's time.
 * Same check, same types, same "Output validation failed" on a mismatch.
 */
export const parsedBy =
  <T extends z.ZodType>(schema: T) =>
  (value: unknown): z.output<T> =>
    schema.parse(value);
export const role = z.enum(ROLES);

export const accountOut = z.object({
  id: z.string(),
  rootId: z.string(),
  parentId: z.string().nullable(),
  name: z.string(),
  kind: z.enum(ACCOUNT_KINDS),
  level: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  clientTier: z.enum(CLIENT_TIERS).nullable(),
  currency: z.string(),
  timeZone: z.string(),
  archivedAt: iso.nullable(),
  createdAt: iso,
});
export const toAccountOut = (a: Account): z.infer<typeof accountOut> => ({
  id: a.id,
  rootId: a.rootId,
  parentId: a.parentId,
  name: a.name,
  kind: a.kind,
  level: a.level,
  clientTier: a.clientTier,
  currency: a.currency,
  timeZone: a.timeZone,
  archivedAt: a.archivedAt?.toISOString() ?? null,
  createdAt: a.createdAt.toISOString(),
});

export interface TreeNodeOut {
  id: string;
  name: string;
  kind: TreeNode['kind'];
  level: TreeNode['level'];
  clientTier: TreeNode['clientTier'];
  archived: boolean;
  children: TreeNodeOut[];
}
const treeNodeFields = {
  id: z.string(),
  name: z.string(),
  kind: z.enum(ACCOUNT_KINDS),
  level: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  clientTier: z.enum(CLIENT_TIERS).nullable(),
  archived: z.boolean(),
};
// The tree is at most three deep (SPEC 2), so the schema is too: no recursion to validate.
const leafNode = z.object({ ...treeNodeFields, children: z.array(z.never()).max(0) });
const midNode = z.object({ ...treeNodeFields, children: z.array(leafNode) });
export const treeNodeOut: z.ZodType<TreeNodeOut> = z.object({ ...treeNodeFields, children: z.array(midNode) });

export const memberOut = z.object({
  id: z.string(),
  accountId: z.string(),
  userId: z.string(),
  email: z.string(),
  name: z.string(),
  role,
  createdAt: iso,
  /** Set for a team membership (its accountId is then the team's agency). */
  teamId: z.string().nullable().default(null),
  teamName: z.string().nullable().default(null),
});
export const toMemberOut = (m: MemberListing): z.infer<typeof memberOut> => ({
  id: m.id,
  accountId: m.accountId,
  userId: m.userId,
  email: m.email,
  name: m.name,
  role: m.role,
  createdAt: m.createdAt.toISOString(),
  teamId: m.teamId ?? null,
  teamName: m.teamName ?? null,
});

export const invitationOut = z.object({
  id: z.string(),
  accountId: z.string(),
  teamId: z.string().nullable(),
  email: z.string(),
  role,
  createdAt: iso,
  expiresAt: iso,
});
export const toInvitationOut = (i: Invitation): z.infer<typeof invitationOut> => ({
  id: i.id,
  accountId: i.accountId,
  teamId: i.teamId,
  email: i.email,
  role: i.role,
  createdAt: i.createdAt.toISOString(),
  expiresAt: i.expiresAt.toISOString(),
});

export const auditEntryOut = z.object({
  id: z.string(),
  accountId: z.string(),
  accountName: z.string(),
  actorEmail: z.string().nullable(),
  action: z.string(),
  entityType: z.string(),
  entityId: z.string(),
  before: z.unknown(),
  after: z.unknown(),
  at: iso,
});
export const toAuditOut = (e: AuditEntry): z.infer<typeof auditEntryOut> => ({
  id: e.id,
  accountId: e.accountId,
  accountName: e.accountName,
  actorEmail: e.actorEmail,
  action: e.action,
  entityType: e.entityType,
  entityId: e.entityId,
  before: e.before,
  after: e.after,
  at: e.at.toISOString(),
});

export const userOut = z.object({ id: z.string(), email: z.string(), name: z.string(), platformOperator: z.boolean() });

/** A list page: `{ items, nextCursor }`, nextCursor null on the last page (SPEC 10). */
export const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });
export const pageInput = { cursor: text(500, { min: 0 }).optional(), limit: limit(200, 50) };

/** Cuts a fetched `limit + 1` rows into a page, with the cursor taken from the last item kept. */
export function toPage<T, O>(rows: T[], limit: number, cursorOf: (row: T) => string, map: (row: T) => O) {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  return { items: kept.map(map), nextCursor: more ? cursorOf(kept[kept.length - 1]!) : null };
}

export const seatOut = z.object({
  id: z.string(),
  dsp: z.string(),
  seatId: z.string(),
  name: z.string().nullable(),
  linkedByAccountId: z.string(),
  holder: z.object({ id: z.string(), name: z.string(), level: z.union([z.literal(1), z.literal(2), z.literal(3)]) }),
  heldSince: iso,
  createdAt: iso,
});
export const toSeatOut = (s: Seat): z.infer<typeof seatOut> => ({
  id: s.id,
  dsp: s.dsp,
  seatId: s.externalId,
  name: s.name,
  linkedByAccountId: s.linkedByAccountId,
  holder: { id: s.holderAccountId, name: s.holderName, level: s.holderLevel },
  heldSince: s.heldSince.toISOString(),
  createdAt: s.createdAt.toISOString(),
});

export const dealOut = z.object({
  id: z.string(),
  dealId: z.string(),
  name: z.string(),
  publisher: z.string(),
  type: z.enum(DEAL_TYPES),
  /** Integer micros, as a string. */
  cpmMicros: z.string(),
  currency: z.string(),
  startsAt: iso.nullable(),
  endsAt: iso.nullable(),
  dsps: z.array(z.string()),
  owner: z.object({ id: z.string(), name: z.string() }),
  publisherInitiated: z.boolean(),
  createdAt: iso,
});
export const toDealOut = (d: Deal): z.infer<typeof dealOut> => ({
  id: d.id,
  dealId: d.dealId,
  name: d.name,
  publisher: d.publisher,
  type: d.type,
  cpmMicros: d.cpmMicros.toString(),
  currency: d.currency,
  startsAt: d.startsAt?.toISOString() ?? null,
  endsAt: d.endsAt?.toISOString() ?? null,
  dsps: d.dsps,
  owner: { id: d.ownerAccountId, name: d.ownerName },
  publisherInitiated: d.publisherInitiated,
  createdAt: d.createdAt.toISOString(),
});

export const connectionOut = z.object({
  id: z.string(),
  client: z.object({ id: z.string(), name: z.string() }),
  agency: z.object({ id: z.string(), name: z.string() }),
  state: z.enum(['requested', 'accepted', 'declined', 'expired', 'disconnected', 'cancelled', 'withdrawn']),
  origin: z.enum(['request', 'promotion', 'transfer']),
  requestedBySide: z.enum(['client', 'agency']),
  requestedAt: iso,
  respondedAt: iso.nullable(),
  endedAt: iso.nullable(),
  endedBySide: z.enum(['client', 'agency', 'operator']).nullable(),
  /** Whether the caller may accept or decline it (a pending request from the other side). */
  canRespond: z.boolean(),
  /** Whether the caller may withdraw it (a pending request of the client, to an admin of the client). */
  canWithdraw: z.boolean(),
});

export const campaignOut = z.object({
  id: z.string(),
  /** The budget is in the client's currency. */
  client: z.object({ id: z.string(), name: z.string(), currency: z.string() }),
  name: z.string(),
  status: z.enum(['active', 'paused']),
  pausedReason: z.string().nullable(),
  budgetMicros: z.string().nullable(),
  /** The flight: days in the client's zone, both inclusive; null for an open end. */
  startsOn: z.string().nullable(),
  endsOn: z.string().nullable(),
  dealIds: z.array(z.string()),
  createdAt: iso,
  updatedAt: iso,
});
export const toCampaignOut = (c: Campaign): z.infer<typeof campaignOut> => ({
  id: c.id,
  client: { id: c.clientId, name: c.clientName, currency: c.clientCurrency },
  name: c.name,
  status: c.status,
  pausedReason: c.pausedReason,
  budgetMicros: c.budgetMicros?.toString() ?? null,
  startsOn: c.startsOn,
  endsOn: c.endsOn,
  dealIds: c.dealIds,
  createdAt: c.createdAt.toISOString(),
  updatedAt: c.updatedAt.toISOString(),
});
