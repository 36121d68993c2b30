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
  'ingestKey.create': 'Ingest key created',
  'ingestKey.revoke': 'Ingest key revoked',
  'report.save': 'Report saved',
  'report.share': 'Report shared',
  'report.unshare': 'Report unshared',
};
/** An action's label; one without its own reads "Credits top up" from "credits.topUp" (lower-cased words). */
export const actionLabel = (action: string) =>
  ACTION_LABEL[action] ??
  action
    .replace(/[._]/g, ' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .replace(/^./, (c) => c.toUpperCase());

const HIDDEN = /^(id|rootId|createdAt|updatedAt|token|tokenHash|passwordHash)$/;
const label = (key: string) =>
  key
    .replace(/Micros$/, '')
    .replace(/Ids?$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();

export interface Ctx {
  currency: string;
  timeZone: string;
  names: Map<string, string>;
}

/** One value, readable: money in the currency, dates in the zone, ids as names when known, objects by their name. */
export function show(key: string, v: unknown, ctx: Ctx, record?: Record<string, unknown>): string {
  if (v === null || v === undefined || v === '') return '—';
  if (/Micros$/.test(key) && (typeof v === 'string' || typeof v === 'number')) {
    const currency = typeof record?.currency === 'string' ? record.currency : ctx.currency;
    return formatMoney(String(v), currency);
  }
  if (/At$/.test(key) && typeof v === 'string' && !Number.isNaN(Date.parse(v))) return formatDateTime(v, ctx.timeZone);
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
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.name === 'string') return o.name;
    if (typeof o.email === 'string') return o.email;
    return Object.entries(o)
      .filter(([k]) => !HIDDEN.test(k))
      .map(([k, x]) => `${label(k)} ${show(k, x, ctx, o)}`)
      .join(', ');
  }
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return typeof v === 'string' || typeof v === 'number' ? String(v) : JSON.stringify(v);
}

/** "budget: €50,000.00 → €60,000.00" for an update; the recorded fields of a creation; nothing raw. */
export function describeChange(before: unknown, after: unknown, ctx: Ctx): string[] {
  const b = before && typeof before === 'object' ? (before as Record<string, unknown>) : null;
  const a = after && typeof after === 'object' ? (after as Record<string, unknown>) : null;
  // "holderId" is shown as "holder" already when the record carries the name too
  const shown = (k: string, r: Record<string, unknown>) => !HIDDEN.test(k) && !(/Id$/.test(k) && k.slice(0, -2) in r);
  if (b && a) {
    const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].filter((k) => shown(k, { ...b, ...a }));
    return keys
      .filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k]))
      .map((k) => `${label(k)}: ${show(k, b[k], ctx, b)} → ${show(k, a[k], ctx, a)}`);
  }
  const one = a ?? b;
  if (!one) return [];
  return Object.entries(one)
    .filter(
      ([k, v]) =>
        shown(k, one) &&
        v !== null &&
        v !== undefined &&
        !(/Id$/.test(k) && !(typeof v === 'string' && ctx.names.has(v))),
    )
    .map(([k, v]) => `${label(k)}: ${show(k, v, ctx, one)}`);
}
