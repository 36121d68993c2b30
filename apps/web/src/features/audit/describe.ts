import { formatMoney } from '../../lib/money';
import { formatDateTime } from '../../lib/time';
import { DEAL_TYPE_LABEL, DSP_LABEL } from '../../lib/labels';

/** Readable audit entries: action names, field labels, and only what changed, with money and dates formatted. */
const ACTION_LABEL: Record<string, string> = {
  'account.create': 'Account created',
  'account.archive': 'Account archived',
  'holding.create': 'Holding created',
  'client.createPremium': 'Premium client created',
  'client.promote': 'Client promoted to premium',
  'client.transfer': 'Client transferred',
  'connection.request': 'Connection requested',
  'connection.accept': 'Connection accepted',
  'connection.decline': 'Connection declined',
  'connection.withdraw': 'Request withdrawn',
  'connection.disconnect': 'Disconnected',
  'team.create': 'Team created',
  'team.assignClient': 'Client put in a team',
  'invitation.create': 'Member invited',
  'invitation.revoke': 'Invitation revoked',
  'membership.create': 'Member joined',
  'membership.setRole': 'Role changed',
  'membership.remove': 'Member removed',
  'seat.link': 'Seat linked',
  'seat.assign': 'Seat assigned',
  'deal.create': 'Deal created',
  'deal.createForPublisher': 'Publisher deal created',
  'campaign.create': 'Campaign created',
  'campaign.update': 'Campaign changed',
  'seat.assign-down': 'Seat assigned down',
  'seat.take-back': 'Seat taken back',
  'campaign.pause': 'Campaign paused',
  'credits.addCard': 'Card added',
  'credits.removeCard': 'Card removed',
  'credits.topUp': 'Credits topped up',
  'credits.topUpDeclined': 'Top-up declined',
  'credits.refund': 'Top-up refunded',
  'credits.adjust': 'Credits adjusted',
  'credits.setLowBalance': 'Low-balance alert changed',
  'credits.spend': 'Spend debited',
  'credits.spend_correction': 'Spend corrected',
  'spend.setCorrectionWindow': 'Correction window changed',
  'ingestKey.create': 'Ingest key created',
  'ingestKey.revoke': 'Ingest key revoked',
  'report.save': 'Report saved',
  'report.share': 'Report shared',
  'report.unshare': 'Report unshared',
  'report.rename': 'Report renamed',
  'report.delete': 'Report deleted',
};
/** The actions a person can filter the trail by, in their labels' order (the worker's spend is shown per day). */
export const FILTER_ACTIONS = Object.keys(ACTION_LABEL)
  .filter((a) => a !== 'credits.spend')
  .sort((x, y) => ACTION_LABEL[x]!.localeCompare(ACTION_LABEL[y]!));

/** An action's label; one without its own reads "Credits top up" from "credits.topUp" (lower-cased words). */
export const actionLabel = (action: string) =>
  ACTION_LABEL[action] ??
  action
    .replace(/[._]/g, ' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .replace(/^./, (c) => c.toUpperCase());

/** Bookkeeping the product keeps that means nothing to a reader: never shown. */
const HIDDEN =
  /^(id|rootId|createdAt|updatedAt|token|tokenHash|passwordHash|idempotencyKey|keyScope|chargeId|providerRef|reference|expired|firstEntryId|lastEntryId|link|invitationId|batches)$/;
const WORD: Record<string, string> = {
  last4: 'last four',
  expMonth: 'expiry month',
  expYear: 'expiry year',
  endedBySide: 'ended by',
  campaignsWithDealsRemoved: "campaigns that lost the agency's deals",
  reportsUnshared: 'reports no longer shared',
};
const label = (key: string) =>
  WORD[key] ??
  key
    .replace(/Micros$/, '')
    .replace(/Ids?$/, '')
    .replace(/Name$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BRAND: Record<string, string> = {
  visa: 'Visa',
  mastercard: 'Mastercard',
  amex: 'American Express',
  discover: 'Discover',
};

/** A card as people name it: "Visa •••• 4242" (from a payment method, or the "visa 4242" a top-up records). */
export function cardName(brand: string, last4: string): string {
  return `${BRAND[brand.toLowerCase()] ?? brand} •••• ${last4}`;
}
const isCard = (o: Record<string, unknown>) => typeof o.brand === 'string' && typeof o.last4 === 'string';

export interface Ctx {
  currency: string;
  timeZone: string;
  names: Map<string, string>;
}

/** Names the trail learns from its own entries: the cards added or removed ("Visa •••• 4242"), by their id. */
export function namesFromEntries(entries: readonly { entityId: string; before?: unknown; after?: unknown }[]) {
  const out = new Map<string, string>();
  for (const e of entries) {
    for (const side of [e.after, e.before]) {
      if (side && typeof side === 'object' && isCard(side as Record<string, unknown>)) {
        const o = side as Record<string, string>;
        out.set(typeof o.id === 'string' ? o.id : e.entityId, cardName(o.brand!, o.last4!));
      }
    }
  }
  return out;
}

/** One value, readable: money in the currency, dates in the zone, ids as names when known, objects by their name. */
export function show(key: string, v: unknown, ctx: Ctx, record?: Record<string, unknown>): string {
  if (v === null || v === undefined || v === '') return '—';
  if (/Micros$/.test(key) && (typeof v === 'string' || typeof v === 'number')) {
    const currency = typeof record?.currency === 'string' ? record.currency : ctx.currency;
    return formatMoney(String(v), currency);
  }
  if (/At$/.test(key) && typeof v === 'string' && !Number.isNaN(Date.parse(v))) return formatDateTime(v, ctx.timeZone);
  if (key === 'card' && typeof v === 'string') {
    const m = /^(\w+) (\d{4})$/.exec(v);
    return m ? cardName(m[1]!, m[2]!) : v;
  }
  if (key === 'paymentMethodId' && typeof v === 'string') return ctx.names.get(v) ?? 'a card';
  if (/Id$/.test(key) && typeof v === 'string') return ctx.names.get(v) ?? `a ${label(key)} you cannot see`;
  if (/Ids$/.test(key) && Array.isArray(v)) {
    if (v.length === 0) return 'none';
    const known = v.map((x) => ctx.names.get(String(x))).filter(Boolean);
    return known.length === v.length
      ? known.join(', ')
      : `${v.length} ${label(key.replace(/Ids$/, ''))}${v.length === 1 ? '' : 's'}`;
  }
  if (key === 'type' && typeof v === 'string' && v in DEAL_TYPE_LABEL)
    return DEAL_TYPE_LABEL[v as keyof typeof DEAL_TYPE_LABEL];
  if ((key === 'dsp' || key === 'dsps') && (typeof v === 'string' || Array.isArray(v)))
    return ([] as unknown[])
      .concat(v)
      .map((d) => DSP_LABEL[d as keyof typeof DSP_LABEL] ?? String(d))
      .join(', ');
  if (Array.isArray(v)) return v.map((x) => show(key, x, ctx)).join(', ');
  if (key === 'query' && typeof v === 'object' && Array.isArray((v as { groupBy?: unknown }).groupBy))
    return describeQuery(v as SavedQuery, ctx);
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.name === 'string') return o.name;
    if (typeof o.email === 'string') return o.email;
    if (isCard(o)) return cardName(o.brand as string, o.last4 as string);
    return Object.entries(o)
      .filter(([k]) => shown(k, o))
      .map(([k, x]) => `${label(k)} ${show(k, x, ctx, o)}`)
      .join(', ');
  }
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  // an id that is not under an id's name: its name when known, never the id itself
  if (typeof v === 'string' && UUID.test(v)) return ctx.names.get(v) ?? 'another record';
  return typeof v === 'string' || typeof v === 'number' ? String(v) : JSON.stringify(v);
}

interface SavedQuery {
  groupBy: string[];
  filters?: Record<string, string[] | undefined>;
  range: { preset: string } | { from: string; to: string };
  compare?: string;
}
/** A saved report's query: "by day and account; accounts Acme Foods; last7" in words. */
function describeQuery(q: SavedQuery, ctx: Ctx): string {
  const parts = [q.groupBy.length ? `by ${q.groupBy.join(', ')}` : 'totals'];
  for (const [k, vs] of Object.entries(q.filters ?? {}))
    if (vs?.length) parts.push(`${k} ${vs.map((x) => show(`${k}Id`, x, ctx)).join(', ')}`);
  parts.push('preset' in q.range ? q.range.preset : `${q.range.from} – ${q.range.to}`);
  if (q.compare) parts.push('compared with the previous period');
  return parts.join('; ');
}

/**
 * Whether a field of a record is shown: not bookkeeping, and not said twice: "clientId" is left out when the record
 * carries the client's name too ("client" or "clientName"), a card's parts when it is named as one.
 */
function shown(k: string, r: Record<string, unknown>): boolean {
  if (HIDDEN.test(k)) return false;
  if (/Id$/.test(k) && (k.slice(0, -2) in r || `${k.slice(0, -2)}Name` in r)) return false;
  if (k === 'paymentMethodId' && 'card' in r) return false;
  if (isCard(r) && (k === 'brand' || k === 'last4' || k === 'clientId')) return false;
  return true;
}

/** A card's own line ("card: Visa •••• 4242"), first, for a record that is one. */
const cardLine = (r: Record<string, unknown> | null) =>
  r && isCard(r) ? [`card: ${cardName(r.brand as string, r.last4 as string)}`] : [];

/**
 * "budget: €50,000.00 → €60,000.00" for what changed, "amount: €50.00" for what the change added; the recorded
 * fields of a creation or a removal; nothing raw, nothing twice.
 */
export function describeChange(before: unknown, after: unknown, ctx: Ctx): string[] {
  const b = before && typeof before === 'object' ? (before as Record<string, unknown>) : null;
  const a = after && typeof after === 'object' ? (after as Record<string, unknown>) : null;
  const known = (k: string, v: unknown) =>
    v !== null &&
    v !== undefined &&
    !(/Id$/.test(k) && k !== 'paymentMethodId' && !(typeof v === 'string' && ctx.names.has(v)));
  if (b && a) {
    const all = { ...b, ...a };
    const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].filter((k) => shown(k, all));
    return keys.flatMap((k) => {
      if (JSON.stringify(b[k]) === JSON.stringify(a[k])) return [];
      if (!(k in b)) return known(k, a[k]) ? [`${label(k)}: ${show(k, a[k], ctx, a)}`] : [];
      return [`${label(k)}: ${show(k, b[k], ctx, b)} → ${show(k, a[k], ctx, a)}`];
    });
  }
  const one = a ?? b;
  if (!one) return [];
  return [
    ...cardLine(one),
    ...Object.entries(one)
      .filter(([k, v]) => shown(k, one) && known(k, v))
      .map(([k, v]) => `${label(k)}: ${show(k, v, ctx, one)}`),
  ];
}
