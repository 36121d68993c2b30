import { describe, expect, it } from 'vitest';
import { codeOf } from './test-support';
import {
  assertArchivable,
  buildForest,
  coveringTops,
  nameKey,
  newChildShape,
  validateAccountName,
  validateCurrency,
  validateTimeZone,
} from './hierarchy';
import type { AccountKind } from './levels';

describe('tree rules (SPEC 2)', () => {
  it.each<[AccountKind, AccountKind, string]>([
    ['holding', 'agency', 'ok'],
    ['holding', 'client', 'INVALID_PARENT'],
    ['holding', 'holding', 'INVALID_INPUT'],
    ['agency', 'client', 'ok'],
    ['agency', 'agency', 'INVALID_PARENT'],
    ['client', 'client', 'INVALID_PARENT'],
    ['client', 'agency', 'INVALID_PARENT'],
  ])('under a %s, a new %s is %s', (parentKind, kind, expected) => {
    const level = ({ holding: 1, agency: 2, client: 3 } as const)[parentKind];
    expect(codeOf(() => newChildShape({ kind: parentKind, level }, kind))).toBe(expected);
  });

  it('makes clients created under an agency standard clients at level 3', () => {
    expect(newChildShape({ kind: 'agency', level: 2 }, 'client')).toEqual({ level: 3, clientTier: 'standard' });
  });

  it.each([
    ['  Acme  ', 'Acme'],
    ['a'.repeat(120), 'a'.repeat(120)],
    ['Zürich Media', 'Zürich Media'],
  ])('accepts the name %j as %j', (raw, stored) => expect(validateAccountName(raw)).toBe(stored));

  it.each([[''], ['   '], ['a'.repeat(121)], ['bad\u0000name']])('refuses the name %j', (raw) => {
    expect(codeOf(() => validateAccountName(raw))).toBe('INVALID_INPUT');
  });

  it('compares sibling names trimmed and case-insensitively', () => {
    expect(nameKey('  ACME Media ')).toBe(nameKey('acme media'));
  });

  it('accepts ISO 4217 currencies and IANA zones only', () => {
    expect(validateCurrency('EUR')).toBe('EUR');
    expect(codeOf(() => validateCurrency('eur'))).toBe('INVALID_INPUT');
    expect(codeOf(() => validateCurrency('XYZ'))).toBe('INVALID_INPUT');
    expect(validateTimeZone('Europe/Copenhagen')).toBe('Europe/Copenhagen');
    expect(validateTimeZone('UTC')).toBe('UTC');
    expect(codeOf(() => validateTimeZone('Mars/Olympus'))).toBe('INVALID_INPUT');
  });

  it('archives only an account without active children', () => {
    expect(codeOf(() => assertArchivable(0))).toBe('ok');
    expect(codeOf(() => assertArchivable(2))).toBe('ACCOUNT_HAS_ACTIVE_CHILDREN');
  });
});

describe('forest building', () => {
  const row = (id: string, parentId: string | null, kind: AccountKind) => ({
    id,
    parentId,
    name: id,
    kind,
    level: ({ holding: 1, agency: 2, client: 3 } as const)[kind],
    clientTier: null,
    archived: false,
  });
  // rows in display order, as the repository returns them (by name), children before or after their parent
  const rows = [
    row('A', 'H', 'agency'),
    row('A1', 'A', 'client'),
    row('B', 'H', 'agency'),
    row('H', null, 'holding'),
    row('X', null, 'holding'),
  ];

  it('nests rows under the tops, siblings in the order of the rows, and drops rows outside the tops', () => {
    const forest = buildForest(rows, ['H']);
    expect(forest.map((n) => n.id)).toEqual(['H']);
    expect(forest[0]!.children.map((c) => c.id)).toEqual(['A', 'B']);
    expect(forest[0]!.children[0]!.children.map((c) => c.id)).toEqual(['A1']);
    expect(buildForest(rows, ['A', 'X']).map((n) => [n.id, n.children.length])).toEqual([
      ['A', 1],
      ['X', 0],
    ]);
  });

  it('keeps only the outermost memberships as tops', () => {
    const paths = new Map([
      ['A', ['H', 'A']],
      ['A1', ['H', 'A', 'A1']],
      ['B', ['H', 'B']],
    ]);
    expect(coveringTops(paths).sort()).toEqual(['A', 'B']);
  });
});
