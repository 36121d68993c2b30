import { DomainError } from './errors';
import { LEVEL_OF_KIND, PARENT_KIND_OF, type AccountKind, type ClientTier, type Level } from './levels';

export const NAME_MAX = 120;

/** Trims and checks an account name (SPEC 2: 1-120 characters). Returns the name to store. */
export function validateAccountName(raw: string): string {
  const name = raw.normalize('NFC').trim();
  if (name.length === 0) throw invalid('name', 'Name must not be empty.');
  if ([...name].length > NAME_MAX) throw invalid('name', `Name must be at most ${NAME_MAX} characters.`);
  if (/[\u0000-\u001f\u007f]/.test(name)) throw invalid('name', 'Name must not contain control characters.');
  return name;
}

/** The key sibling names are unique on: trimmed, case-insensitive. The database keeps the same key. */
export const nameKey = (name: string): string => name.normalize('NFC').trim().toLowerCase();

const CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));
const TIME_ZONES: ReadonlySet<string> = new Set([...Intl.supportedValuesOf('timeZone'), 'UTC']);

export function validateCurrency(code: string): string {
  if (!/^[A-Z]{3}$/.test(code) || !CURRENCIES.has(code))
    throw invalid('currency', `"${code}" is not an ISO 4217 currency code.`);
  return code;
}

/**
 * ICU lists each zone once, under its canonical name ("Asia/Calcutta"), so current IANA names such as
 * "Asia/Kolkata" or "Europe/Kyiv" are accepted when Intl resolves them too.
 */
function isIanaZone(zone: string): boolean {
  if (TIME_ZONES.has(zone)) return true;
  if (!/^[A-Za-z]+(\/[A-Za-z0-9_+-]+){1,2}$/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function validateTimeZone(zone: string): string {
  if (!isIanaZone(zone)) throw invalid('timeZone', `"${zone}" is not an IANA time zone.`);
  return zone;
}

export interface ParentFacts {
  kind: AccountKind;
  level: Level;
}

/**
 * The tree rules (SPEC 2): agencies sit under a holding, clients under an agency, nothing else under a holding,
 * at most three deep. Returns the level and, for a client made this way, its tier (standard).
 */
export function newChildShape(parent: ParentFacts, kind: AccountKind): { level: Level; clientTier: ClientTier | null } {
  const expected = PARENT_KIND_OF[kind];
  if (expected === null) {
    throw invalid('kind', 'A holding has no parent; a platform operator creates it with accounts.createHolding.');
  }
  if (parent.kind !== expected) {
    throw new DomainError(
      'INVALID_PARENT',
      `A ${kind} must sit directly under a${expected === 'agency' ? 'n' : ''} ${expected}, not under a ${parent.kind}.`,
      { kind: `a ${parent.kind} cannot hold a ${kind}` },
    );
  }
  return { level: LEVEL_OF_KIND[kind], clientTier: kind === 'client' ? 'standard' : null };
}

/** An account is archived only when none of its children is still active (archive them first). */
export function assertArchivable(activeChildren: number): void {
  if (activeChildren > 0) {
    throw new DomainError(
      'ACCOUNT_HAS_ACTIVE_CHILDREN',
      `This account still has ${activeChildren} active sub-account${activeChildren === 1 ? '' : 's'}; archive them first.`,
    );
  }
}

export interface TreeRow {
  id: string;
  parentId: string | null;
  name: string;
  kind: AccountKind;
  level: Level;
  clientTier: ClientTier | null;
  archived: boolean;
}
export interface TreeNode extends Omit<TreeRow, 'parentId'> {
  children: TreeNode[];
}

/**
 * Nests flat rows under the given tops, in one pass. Siblings keep the order of the rows (the repository returns
 * them by name), so a 5,000-account tree is built without sorting. Rows outside the tops' subtrees are dropped.
 */
export function buildForest(rows: readonly TreeRow[], topIds: readonly string[]): TreeNode[] {
  const nodes = new Map<string, TreeNode>();
  for (const r of rows) {
    nodes.set(r.id, {
      id: r.id,
      name: r.name,
      kind: r.kind,
      level: r.level,
      clientTier: r.clientTier,
      archived: r.archived,
      children: [],
    });
  }
  const tops = new Set(topIds);
  const forest: TreeNode[] = [];
  for (const r of rows) {
    const node = nodes.get(r.id)!;
    if (tops.has(r.id)) forest.push(node);
    else if (r.parentId !== null) nodes.get(r.parentId)?.children.push(node);
  }
  return forest;
}

/** The smallest set of accounts whose subtrees cover all the given ones: membership accounts under no other. */
export function coveringTops(accountPaths: ReadonlyMap<string, readonly string[]>): string[] {
  const ids = new Set(accountPaths.keys());
  return [...ids].filter(
    (id) =>
      !accountPaths
        .get(id)!
        .slice(0, -1)
        .some((a) => ids.has(a)),
  );
}

function invalid(field: string, message: string): DomainError {
  return new DomainError('INVALID_INPUT', message, { [field]: message });
}
