import fc from 'fast-check';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { metrics, microsToDecimal } from '@trellis/domain';
import { copyOut, inlineParameters } from '@trellis/db';
import { useTestDatabase } from '@trellis/db/testing';
import { csvRecords, numberCells, textCell, textCellSql } from './csv';

const t = useTestDatabase({ resetEach: false });

/** What the domain writes for a record's sums: impressions, clicks, spend, ctr, ecpm. */
const domainCells = (i: bigint, c: bigint, s: bigint) => {
  const m = metrics(i, c, s);
  return `${i},${c},${microsToDecimal(s)},${m.ctr ?? ''},${m.ecpmMicros === null ? '' : microsToDecimal(m.ecpmMicros)}`;
};

/** Feeds `all` to csvRecords in pieces cut at `cuts`; returns what it wrote. */
function throughRecords(all: Buffer, cuts: number[]): string {
  const at = [...new Set(cuts.map((c) => Math.min(c, all.length)))].sort((a, b) => a - b);
  const records = csvRecords();
  const parts: Buffer[] = [];
  let from = 0;
  for (const c of [...at, all.length]) {
    parts.push(records.push(all.subarray(from, c)));
    from = c;
  }
  expect(records.rest().length).toBe(0);
  return Buffer.concat(parts).toString('utf8');
}

describe('CSV cells of the export', () => {
  it('writes money, CTR and eCPM as the domain does, from zero to the bigint edge, on the float and the bigint path', () => {
    const edge = fc.oneof(
      fc.constantFrom(
        0n,
        1n,
        9n,
        10n,
        99n,
        100n,
        999_999n,
        1_000_000n,
        1_000_001n,
        999_999_999_999n,
        10n ** 12n,
        999_999_999_999_999n,
        10n ** 15n,
        9_223_372_036_854_775_807n,
      ),
      fc.bigInt({ min: 0n, max: 10n ** 13n }),
    );
    const counts = fc.oneof(
      fc.constantFrom(0n, 1n, 2n, 3n, 7n, 999_999_999n, 10n ** 9n, 999_999_999_999_999n, 10n ** 15n, 10n ** 18n),
      fc.bigInt({ min: 0n, max: 10n ** 15n }),
      fc.bigInt({ min: 0n, max: 1000n }),
    );
    fc.assert(
      fc.property(edge, counts, counts, (s, a, b) => {
        const [i, c] = a > b ? [a, b] : [b, a];
        expect(numberCells(String(i), String(c), String(s))).toBe(domainCells(i, c, s));
        // clicks above impressions (a CTR over 1) are written as the domain writes them too
        expect(numberCells(String(c), String(i), String(s))).toBe(domainCells(c, i, s));
      }),
      { numRuns: 3000, seed: 7 },
    );
    // at the fast path's edges: quotients a hair under a whole number
    for (const [i, c, s] of [
      [999_999_999_999_999n, 999_999_999n, 999_999_999_999n],
      [3n, 1n, 1n],
      [2n * 10n ** 14n + 1n, 10n ** 8n, 10n ** 11n],
    ] as const) {
      expect(numberCells(String(i), String(c), String(s))).toBe(domainCells(i, c, s));
    }
  });

  it('adds the number cells and CRLF to every record, the header gaining ctr and ecpm, whatever the chunk boundaries', () => {
    const names = ['plain', '', 'a,b', '"q"', 'line\nbreak', 'a\r\nb', 'é ü 中', '\n"\n'];
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.constantFrom(...names),
            fc.bigInt({ min: 0n, max: 10n ** 16n }),
            fc.bigInt({ min: 0n, max: 10n ** 10n }),
            fc.bigInt({ min: 0n, max: 10n ** 14n }),
          ),
          { maxLength: 8 },
        ),
        fc.array(fc.nat(400), { maxLength: 8 }),
        (rows, cuts) => {
          // as COPY (FORMAT csv, HEADER true) writes them: LF after each record, a cell quoted when it needs it
          const cell = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
          const copy =
            'name,currency,impressions,clicks,spend\n' +
            rows.map(([n, i, c, s]) => `${cell(n)},EUR,${i},${c},${s}\n`).join('');
          const expected =
            'name,currency,impressions,clicks,spend,ctr,ecpm\r\n' +
            rows.map(([n, i, c, s]) => `${cell(n)},EUR,${domainCells(i, c, s)}\r\n`).join('');
          expect(throughRecords(Buffer.from(copy), cuts)).toBe(expected);
        },
      ),
      { numRuns: 500, seed: 11 },
    );
  });

  it('escapes and quotes text in PostgreSQL like textCell', async () => {
    const texts = [
      'plain',
      '',
      '=1+1',
      '+Client, "Quoted"',
      '-1',
      '@SUM(A1)',
      '\tx',
      '\rx',
      'a\r\nb',
      'line\nbreak',
      '"',
      'é ü 中',
      'a,b',
    ];
    const cells = texts.map((s) => textCellSql(sql`${s}::text`));
    const select = sql`select ${sql.join(cells)}, 'EUR' as currency, 10 as impressions, 1 as clicks, 1500000 as spend
      from generate_series(1, 2)`;
    const out = await copyOut(t.db, select.compile(t.db), 'format csv, header true', async (rows) => {
      const parts: Buffer[] = [];
      for await (const c of rows) parts.push(c as Buffer);
      const all = Buffer.concat(parts);
      const result: string[] = [];
      for (const size of [1, 2, 3, 7, 1000])
        result.push(
          throughRecords(
            all,
            Array.from({ length: Math.ceil(all.length / size) }, (_, k) => (k + 1) * size),
          ),
        );
      return result;
    });
    const line = `${texts.map((s) => textCell(s)).join(',')},EUR,10,1,1.50,0.1,150.00\r\n`;
    for (const o of out) expect(o.slice(o.indexOf('\r\n') + 2)).toBe(line + line);
  });

  it('inlines parameters as literals that PostgreSQL reads back as the same values (COPY takes no parameters)', async () => {
    const texts = ["it's", "back\\slash \\' E", 'a"b', '$1 $2', '{a,b}', 'é', ''];
    const arr = ['x', 'q"uote', 'com,ma', 'back\\', "o'k", 'NULL', ''];
    const at = new Date('2026-03-29T01:30:00.123Z');
    for (const text of texts) {
      const q = sql<
        Record<string, unknown>
      >`select ${text}::text as t, ${arr}::text[] as a, ${at}::timestamptz as d, ${true}::boolean as b, ${42}::int as n, '$1' as lit, "q""t"
        from (select 1 as "q""t") z`.compile(t.db);
      const byParams = await t.db.executeQuery(q);
      const inlined = await sql.raw<Record<string, unknown>>(inlineParameters(q)).execute(t.db);
      expect(inlined.rows).toEqual(byParams.rows);
      expect(byParams.rows[0]!.t).toBe(text);
      expect(byParams.rows[0]!.lit).toBe('$1');
    }
  });
});
