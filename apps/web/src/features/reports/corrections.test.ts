import { describe, expect, it } from 'vitest';
import { hasCorrections } from './view';

const line = (correctionMicros: string) => ({ correctionMicros });
type Data = Parameters<typeof hasCorrections>[0];
const data = (rows: string[], totals: string[]) => ({ rows: rows.map(line), totals: totals.map(line) }) as Data;

describe('the Corrections column of a report (SPEC 13)', () => {
  it.each([
    ['no report yet', undefined, false],
    ['no rows', data([], []), false],
    ['only zeros', data(['0', '0'], ['0']), false],
    ['a credit in one row', data(['0', '-3000000'], ['-3000000']), true],
    ['a debit in one row', data(['1'], ['1']), true],
    ['rows that cancel out in the total', data(['5', '-5'], ['0']), true],
    ['a total only (rows cut off)', data([], ['-1']), true],
  ] as const)('%s: %s', (_, d, shown) => {
    expect(hasCorrections(d)).toBe(shown);
  });
});
