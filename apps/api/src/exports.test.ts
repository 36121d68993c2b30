import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { microsToDecimal } from '@trellis/domain';
import { useTestDatabase } from '@trellis/db/testing';
import { createApp } from './app';
import { textCell } from './lib/csv';
import { grant } from './testing';
import { at, ingest, person, rec, rollAll, type Person } from './testing/report-world';

const t = useTestDatabase({ resetEach: false });

/** RFC 4180, read plainly: quoted cells with doubled quotes, CRLF between records. */
function parseCsv(text: string): string[][] {
  const out: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 2;
        continue;
      }
      if (ch === '"') quoted = false;
      else cell += ch;
      i++;
      continue;
    }
    if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      out.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
    i++;
  }
  if (cell !== '' || row.length) throw new Error('the last record has no CRLF');
  return out;
}

const HOSTILE = '=HYPERLINK("http://evil.test","click, here")';
let server: Server;
let base: string;
let w: {
  admin: Person;
  analyst: Person;
  clientMember: Person;
  other: Person;
  H: { id: string };
  A: { id: string };
  C: { id: string };
  reportId: string;
};

beforeAll(async () => {
  const db = t.db;
  const op = await person(db, 'op@trellis.test', { platformOperator: true });
  const H = await (await op.at(0)).accounts.createHolding({ name: 'H', currency: 'EUR', timeZone: 'UTC' });
  const O = await (await op.at(0)).accounts.createHolding({ name: 'O', currency: 'EUR', timeZone: 'UTC' });
  const admin = await person(db, 'admin@x.test');
  await grant(db, admin.userId, H, 'admin');
  const other = await person(db, 'other@x.test');
  await grant(db, other.userId, O, 'admin');
  const h = await admin.at(0);
  const A = await h.accounts.create({ parentId: H.id, name: 'A', kind: 'agency' });
  const C = await h.accounts.create({ parentId: A.id, name: '+Client, "Quoted"', kind: 'client' });
  const analyst = await person(db, 'an@x.test');
  await grant(db, analyst.userId, A, 'analyst');
  const clientMember = await person(db, 'c@x.test');
  await grant(db, clientMember.userId, C, 'analyst');
  const s = await h.seats.link({ accountId: H.id, dsp: 'dv360', seatId: 'S1' });
  await h.seats.assign({ seatId: s.id, accountId: A.id });
  const k = await h.campaigns.create({ clientId: C.id, name: HOSTILE });
  const k2 = await h.campaigns.create({ clientId: C.id, name: '@SUM(A1)' });
  const records = [];
  for (let hh = 1; hh < 48; hh += 0.75) {
    for (const campaignId of [k.id, k2.id, null])
      records.push(
        rec({
          occurredAt: at(hh),
          dsp: 'dv360',
          seatId: 'S1',
          dealId: null,
          auctionType: 'open_auction',
          campaignId,
          currency: 'EUR',
        }),
      );
  }
  await ingest(await admin.at(48), H.id, records);
  await rollAll(db);
  const saved = await (
    await admin.at(60)
  ).reports.save({
    accountId: A.id,
    name: 'Shared one',
    query: { groupBy: ['day', 'campaign'], range: { from: '2026-11-01', to: '2026-11-04' } },
  });
  await (await admin.at(60)).reports.share({ reportId: saved.id, clientId: C.id });
  w = { admin, analyst, clientMember, other, H, A, C, reportId: saved.id };
  server = createApp({ db, publicUrl: 'http://localhost' }).listen(0);
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 120_000);
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const url = (q: Record<string, string>) => `${base}/exports/report.csv?${new URLSearchParams(q).toString()}`;
const input = (accountId: string, groupBy: string[]) => ({
  input: JSON.stringify({ accountId, from: '2026-11-01', to: '2026-11-04', groupBy }),
});

describe('GET /exports/report.csv', () => {
  it('equals the rows of reports.run: a header, money in currency units beside its currency', async () => {
    const groupBy = ['hour', 'account', 'campaign', 'auctionType'] as const;
    const res = await fetch(url(input(w.H.id, [...groupBy])), {
      headers: { cookie: `trellis_session=${w.admin.token}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const csv = parseCsv(await res.text());
    expect(csv[0]).toEqual([
      'hour',
      'accountId',
      'accountName',
      'campaignId',
      'campaignName',
      'auctionType',
      'currency',
      'correction',
      'impressions',
      'clicks',
      'spend',
      'ctr',
      'ecpm',
    ]);
    const run = await (
      await w.admin.at(60)
    ).reports.run({ accountId: w.H.id, from: '2026-11-01', to: '2026-11-04', groupBy: [...groupBy] });
    expect(run.rows.length).toBeGreaterThan(100);
    const unescape = (s: string) => (s.startsWith("'") ? s.slice(1) : s);
    expect(csv.slice(1).map((r) => [r[0], r[1], unescape(r[2]!), r[3], unescape(r[4]!), ...r.slice(5)])).toEqual(
      run.rows.map((r) => [
        r.hour,
        r.accountId,
        r.accountName,
        r.campaignId ?? '',
        r.campaignName ?? '',
        r.auctionType,
        r.currency,
        microsToDecimal(BigInt(r.correctionMicros)),
        String(r.impressions),
        String(r.clicks),
        microsToDecimal(BigInt(r.spendMicros)),
        r.ctr === null ? '' : String(r.ctr),
        r.ecpmMicros === null ? '' : microsToDecimal(BigInt(r.ecpmMicros)),
      ]),
    );
  });

  it('escapes a hostile name so no spreadsheet reads it as a formula, and quotes it by RFC 4180', async () => {
    // at the agency, whose report by account lists its clients (the holding's would list the agency)
    const res = await fetch(url(input(w.A.id, ['account', 'campaign'])), {
      headers: { authorization: `Bearer ${w.admin.token}` },
    });
    const text = await res.text();
    expect(text).toContain(`"'${HOSTILE.replaceAll('"', '""')}"`);
    expect(text).toContain(`"'+Client, ""Quoted"""`);
    expect(text).toContain(`'@SUM(A1)`);
    for (const row of parseCsv(text).slice(1)) for (const cell of row) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    expect([textCell('-1'), textCell('\tx'), textCell('a\r\nb'), textCell('plain')]).toEqual([
      "'-1",
      "'\tx",
      '"a\r\nb"',
      'plain',
    ]);
  });

  it("exports a saved report shared with a client for that client's member, only the client's rows", async () => {
    const res = await fetch(url({ reportId: w.reportId }), {
      headers: { cookie: `trellis_session=${w.clientMember.token}` },
    });
    expect(res.status).toBe(200);
    const csv = parseCsv(await res.text());
    const run = await (await w.clientMember.at(60)).reports.runSaved({ reportId: w.reportId });
    expect(csv.length - 1).toBe(run.rows.length);
    expect(csv.slice(1).map((r) => r[1])).toEqual(run.rows.map((r) => r.campaignId ?? ''));
  });

  it.each([
    ['no session', null, () => input(w.H.id, ['day']), 401],
    ['another tenant', 'other', () => input(w.H.id, ['day']), 404],
    ["a standard client's member on its client", 'clientMember', () => input(w.C.id, ['day']), 403],
    ['malformed input', 'admin', () => ({ input: '{not json' }), 400],
    ['an unknown dimension', 'admin', () => input(w.H.id, ['colour']), 400],
    ['a report of nobody', 'admin', () => ({ reportId: '00000000-0000-4000-8000-000000000000' }), 404],
    ['a shared report for a sibling tenant', 'other', () => ({ reportId: w.reportId }), 404],
    [
      'an hourly report ending on the last day of year 9999',
      'admin',
      () => ({ input: JSON.stringify({ accountId: w.H.id, from: '9999-12-31', to: '9999-12-31', groupBy: ['hour'] }) }),
      400,
    ],
    [
      'a report saved on a real range, run for a day past 2199',
      'admin',
      () => ({ reportId: w.reportId, from: '2200-01-01', to: '2200-01-01' }),
      400,
    ],
  ] as const)('refuses %s', async (_l, who, q, status) => {
    const headers: Record<string, string> = who ? { cookie: `trellis_session=${w[who].token}` } : {};
    const res = await fetch(url(q()), { headers });
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: unknown }).error).toEqual(expect.any(String));
  });

  it('refuses through reports.run a day outside 1970-2199 as BAD_REQUEST naming the field', async () => {
    const e = await (
      await w.admin.at(60)
    ).reports
      .run({ accountId: w.H.id, from: '9999-12-31', to: '9999-12-31', groupBy: ['hour'] })
      .catch((x) => x);
    expect([e.code, e.cause?.fields]).toEqual([
      'BAD_REQUEST',
      { from: expect.stringMatching(/1970/), to: expect.stringMatching(/1970/) },
    ]);
  });
});
