import { z } from 'zod';
import { DomainError } from '@trellis/domain';
import { accounts, type AccountWithPath } from '@trellis/db';
import { assertMay, authedProcedure, loadVisibleAccount } from '../../trpc';
import { id } from '../shapes';
import { text } from '../inputs';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const LIMIT = 20;

const targetOut = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['agency', 'client']),
  holdingName: z.string().nullable(),
});
type Target = z.infer<typeof targetOut>;

async function asTarget(db: Parameters<typeof accounts.findAccount>[0], a: AccountWithPath): Promise<Target> {
  const holding = a.kind === 'agency' && a.parentId ? await accounts.findAccount(db, a.parentId) : undefined;
  return {
    id: a.id,
    name: a.name,
    kind: a.kind === 'agency' ? 'agency' : 'client',
    holdingName: holding?.name ?? null,
  };
}

/**
 * What an admin may pick as the other side of a connection request (SPEC 2.2): names it may see, never a search of
 * other tenants. From a premium client with no agency: the agency with exactly the id in `q` (pasted alone or inside
 * an invitation link `/connect/<agencyId>`). From an agency: its own holding's agencies by name, and the unconnected
 * premium client with exactly the id in `q` (a premium client is never found by name). Anything else: nothing.
 */
export const searchTargetsRoute = authedProcedure
  .input(z.object({ fromAccountId: id, q: text(200) }))
  .output(z.object({ items: z.array(targetOut) }))
  .query(async ({ ctx, input }) => {
    const { account: from, facts } = await loadVisibleAccount(ctx, input.fromAccountId);
    assertMay(ctx.actor, facts, 'connections.manage');
    if (/[\u0000-\u001f\u007f]/.test(input.q))
      throw new DomainError('INVALID_INPUT', 'q: must be plain text', { q: 'must be plain text' });
    const exactId = UUID.exec(input.q)?.[0]?.toLowerCase();
    const exact = exactId ? await accounts.findAccount(ctx.db, exactId) : undefined;
    const items: Target[] = [];
    if (from.kind === 'client' && from.clientTier === 'premium' && from.parentId === null) {
      if (exact && exact.kind === 'agency' && exact.archivedAt === null) items.push(await asTarget(ctx.db, exact));
    } else if (from.kind === 'agency') {
      if (
        exact &&
        exact.kind === 'client' &&
        exact.clientTier === 'premium' &&
        exact.parentId === null &&
        exact.archivedAt === null
      ) {
        items.push(await asTarget(ctx.db, exact));
      }
      const holding = from.parentId ? await accounts.findAccount(ctx.db, from.parentId) : undefined;
      for (const a of await accounts.searchAgenciesOfHolding(ctx.db, from.parentId!, input.q, LIMIT + 1)) {
        if (a.id !== from.id && items.length < LIMIT)
          items.push({ id: a.id, name: a.name, kind: 'agency', holdingName: holding?.name ?? null });
      }
    }
    return { items };
  });
