import { z } from 'zod';
import { assertMayDisconnect } from '@trellis/domain';
import { planDetach } from '../../lib/detach';
import { assertMay, authedProcedure, loadVisibleAccount } from '../../trpc';
import { id, role } from '../shapes';

const named = z.object({ id: z.string(), name: z.string() });

/**
 * Exactly what connections.disconnect would do now, for the confirmation a person reads first: read by the same
 * conditions the disconnect acts on (lib/detach.ts), item by item. The client's team at the agency is named to the
 * agency's side only: how an agency organises its people is not the client's to read.
 */
export const disconnectPreviewRoute = authedProcedure
  .input(z.object({ clientId: id }))
  .output(
    z.object({
      agency: named,
      /** Seats the agency had assigned to the client, going back to the agency. */
      seatsReturning: z.array(z.object({ id: z.string(), dsp: z.string(), seatId: z.string() })),
      /** Active campaigns on the agency's or holding's deals, paused. */
      campaignsPausing: z.array(named),
      /** The agency's and holding's deals taken off the client's campaigns (paused ones included), per campaign. */
      dealsRemoved: z.array(z.object({ campaign: named, deals: z.array(named) })),
      /** Pending invitations to the client that the agency's side sent, revoked. */
      invitationsRevoked: z.array(z.object({ id: z.string(), email: z.string(), role })),
      /** Cards the agency's side added to the client, removed (nobody may charge them after). */
      cardsRemoved: z.array(z.object({ id: z.string(), brand: z.string(), last4: z.string() })),
      /** Reports the agency's side saved on the client, deleted. */
      reportsDeleted: z.array(named),
      /** Reports the agency or its holding shared with the client, no longer shared. */
      reportsUnshared: z.array(named.extend({ sharedFrom: z.string() })),
      /** The agency team the client leaves (to the agency's side only). */
      team: named.nullable(),
    }),
  )
  .query(async ({ ctx, input }) => {
    const { account, facts } = await loadVisibleAccount(ctx, input.clientId);
    assertMay(ctx.actor, facts, 'connections.manage');
    assertMayDisconnect({ kind: account.kind, clientTier: account.clientTier, connectedAgencyId: account.parentId });
    const plan = await planDetach(ctx.db, account, null, ctx.now());
    const campaigns = new Map<string, z.infer<typeof named> & { deals: z.infer<typeof named>[] }>();
    for (const d of plan.dealsRemoved) {
      const c = campaigns.get(d.campaignId) ?? { id: d.campaignId, name: d.campaignName, deals: [] };
      c.deals.push({ id: d.dealId, name: d.dealName });
      campaigns.set(d.campaignId, c);
    }
    const clientSide = ctx.actor.memberships.has(account.id);
    return {
      agency: { id: plan.agency.id, name: plan.agency.name },
      seatsReturning: plan.seatsReturning.map((s) => ({ id: s.id, dsp: s.dsp, seatId: s.externalId })),
      campaignsPausing: plan.campaignsPausing.map((c) => ({ id: c.id, name: c.name })),
      dealsRemoved: [...campaigns.values()].map(({ deals, ...campaign }) => ({ campaign, deals })),
      invitationsRevoked: plan.invitationsRevoked.map((i) => ({ id: i.id, email: i.email, role: i.role })),
      cardsRemoved: plan.cardsRemoved.map((c) => ({ id: c.id, brand: c.brand, last4: c.last4 })),
      reportsDeleted: plan.reportsDeleted.map((r) => ({ id: r.id, name: r.name })),
      reportsUnshared: plan.reportsUnshared.map((r) => ({ id: r.id, name: r.name, sharedFrom: r.accountName })),
      team: plan.team && !clientSide ? { id: plan.team.id, name: plan.team.name } : null,
    };
  });
