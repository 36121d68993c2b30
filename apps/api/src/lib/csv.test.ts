import fc from 'fast-check';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { metrics, microsToDecimal } from '@trellis/domain';
import { copyOut, inlineParameters } from '@trellis/db';
import { useTestDatabase } from '@trellis/db/testing';
import { crlfRecords, ctrCellSql, ecpmCellSql, moneyCellSql, parsedSumsSql, textCell, textCellSql } from './csv';

const t = useTestDatabase({ resetEach: false });

/** Reads a COPY ... (FORMAT csv) of one row through crlfRecords, fed in chunks of `size` bytes. */
async function copyCsv(select: ReturnType<typeof sql>, size: number): Promise<string> {
  return copyOut(t.db, select.compile(t.db), 'format csv', async (rows) => {
    const parts: Buffer[] = [];
    for await (const c of rows) parts.push(c as Buffer);
    const all = Buffer.concat(parts);
    const crlf = crlfRecords();
    const out: Buffer[] = [];
    for (let i = 0; i < all.length; i += size) out.push(crlf(all.subarray(i, i + size)));
    return Buffer.concat(out).toString('utf8');
  });
}

describe('CSV cells computed by PostgreSQL (the export)', () => {
  it('writes money, CTR and eCPM exactly as the domain functions do, from zero to the bigint edge, on both the bigint and the numeric path', async () => {
    const edge = fc.oneof(fc.constantFrom(0n, 1n, 9n, 10n, 999_999n, 1_000_000n, 1_000_001n, 999_999_999_999_999n, 10n ** 15n, 9_223_372_036_854_775_807n), fc.bigInt({ min: 0n, max: 10n ** 15n }));
    const counts = fc.oneof(fc.constantFrom(0n, 1n, 999_999_999_999n, 10n ** 12n, 999_999_999_999_999n, 10n ** 15n, 10n ** 18n), fc.bigInt({ min: 0n, max: 10n ** 12n }));
    const cases = fc.sample(fc.tuple(edge, counts, counts), { numRuns: 400, seed: 7 });
    cases.push([0n, 0n, 0n], [5n, 0n, 0n], [1_500_000n, 3n, 7n], [2n, 1n, 3n], [10n ** 16n, 10n ** 13n, 10n ** 14n]);
    const spend = cases.map(([s]) => s.toString());
    const impressions = cases.map(([, i, c]) => (i > c ? i : c).toString());
    const clicks = cases.map(([, i, c]) => (i > c ? c : i).toString());
    // the sums arrive as text, as the report statement returns them; the bigint path takes the small ones
    const r = await sql<{ small: boolean; spend: string; ctr: string | null; ecpm: string | null }>`
      select p.i8 is not null as small, ${moneyCellSql(sql`p.spend_micros::numeric`)} as spend,
        ${ctrCellSql(sql`p.c8`, sql`p.i8`, sql`p.clicks::numeric`, sql`p.impressions::numeric`)} as ctr,
        ${ecpmCellSql(sql`p.s8`, sql`p.i8`, sql`p.spend_micros::numeric`, sql`p.impressions::numeric`)} as ecpm
      from (select x.*, ${parsedSumsSql('x')} from unnest(${spend}::text[], ${impressions}::text[], ${clicks}::text[]) with ordinality as x(spend_micros, impressions, clicks, n)) p
      order by p.n`.execute(t.db);
    expect(r.rows.map(({ small: _, ...rest }) => rest)).toEqual(
      cases.map((_, k) => {
        const m = metrics(BigInt(impressions[k]!), BigInt(clicks[k]!), BigInt(spend[k]!));
        return { spend: microsToDecimal(BigInt(spend[k]!)), ctr: m.ctr === null ? null : String(m.ctr), ecpm: m.ecpmMicros === null ? null : microsToDecimal(m.ecpmMicros) };
      }),
    );
    // both paths were taken
    expect(new Set(r.rows.map((x) => x.small))).toEqual(new Set([true, false]));
  });

  it('escapes and quotes text like textCell, with CRLF only between records, whatever the chunk boundaries', async () => {
    const texts = ['plain', '', '=1+1', '+Client, "Quoted"', '-1', '@SUM(A1)', '\tx', '\rx', 'a\r\nb', 'line\nbreak', '"', 'é ü 中', 'a,b'];
    const expected = `${texts.map((s) => textCell(s)).join(',')}\r\n${texts.map((s) => textCell(s)).join(',')}\r\n`;
    const cells = texts.map((s) => textCellSql(sql`${s}::text`));
    const select = sql`select ${sql.join(cells)} from generate_series(1, 2)`;
    for (const size of [1, 2, 3, 7, 1000]) expect(await copyCsv(select, size)).toBe(expected);
  });

  it('turns LF into CRLF only outside quoted cells, like a byte-by-byte scan, whatever the text and the chunking', () => {
    const naive = (text: string) => {
      let quoted = false;
      let out = '';
      for (const ch of text) {
        if (ch === '"') quoted = !quoted;
        out += ch === '\n' && !quoted ? '\r\n' : ch;
      }
      return out;
    };
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', ',', '"', '\n', '\r', 'é'), { maxLength: 60 }), fc.array(fc.nat(60), { maxLength: 6 }), (chars, cuts) => {
        const all = Buffer.from(chars.join(''));
        const at = [...new Set(cuts.map((c) => Math.min(c, all.length)))].sort((a, b) => a - b);
        const crlf = crlfRecords();
        const parts: Buffer[] = [];
        let from = 0;
        for (const c of [...at, all.length]) {
          parts.push(crlf(all.subarray(from, c)));
          from = c;
        }
        expect(Buffer.concat(parts).toString('utf8')).toBe(naive(chars.join('')));
      }),
      { numRuns: 500, seed: 11 },
    );
  });

  it('inlines parameters as literals that PostgreSQL reads back as the same values (COPY takes no parameters)', async () => {
    const texts = ["it's", 'back\\slash \\\' E', 'a"b', '$1 $2', '{a,b}', 'é', ''];
    const arr = ['x', 'q"uote', 'com,ma', 'back\\', "o'k", 'NULL', ''];
    const at = new Date('2026-03-29T01:30:00.123Z');
    for (const text of texts) {
      const q = sql<Record<string, unknown>>`select ${text}::text as t, ${arr}::text[] as a, ${at}::timestamptz as d, ${true}::boolean as b, ${42}::int as n, '$1' as lit, "q""t" from (select 1 as "q""t") z`.compile(t.db);
      const byParams = await t.db.executeQuery(q);
      const inlined = await sql.raw<Record<string, unknown>>(inlineParameters(q)).execute(t.db);
      expect(inlined.rows).toEqual(byParams.rows);
      expect(byParams.rows[0]!.t).toBe(text);
      expect(byParams.rows[0]!.lit).toBe('$1');
    }
  });
});
