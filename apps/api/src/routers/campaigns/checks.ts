import { assertCampaignNameFree, assertDealsUsable, dealUsableBy } from '@trellis/domain';
import { campaigns, deals, type Db, type Trx } from '@trellis/db';

/**
 * Every deal must be usable by the client (SPEC 5): a deal of another branch or tenant, or no deal at all, reads the
 * same (its id, never its name), so the refusal leaks nothing.
 */
export async function assertDealsUsableBy(db: Db, clientPath: readonly string[], dealIds: readonly string[]) {
  const found = await Promise.all(dealIds.map(async (d) => ({ id: d, deal: await deals.findDeal(db, d) })));
  assertDealsUsable(
    found.map(({ id, deal }) => {
      const usable = !!deal && dealUsableBy({ ownerId: deal.ownerAccountId, ownerPath: [] }, clientPath);
      return { id, name: usable ? deal.name : id, usable };
    }),
  );
}

/** Under the client's name lock (held to commit): no other campaign of the client has this name. */
export async function claimName(trx: Trx, clientId: string, name: string, exceptId: string | null = null) {
  await campaigns.lockNamesOf(trx, clientId);
  assertCampaignNameFree(name, await campaigns.findByName(trx, clientId, name, exceptId));
}
