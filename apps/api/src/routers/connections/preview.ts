import { z } from 'zod';
import { assertMayDisconnect } from '@trellis/domain';
import { planDetach } from '../../lib/detach';
import { assertMay, authedProcedure, loadVisibleAccount } from '../../trpc';
import { id } from '../shapes';

/** Exactly what connections.disconnect would do now, for the confirmation a person reads first. */
export const disconnectPreviewRoute = authedProcedure
  .input(z.object({ clientId: id }))
  .output(
    z.object({
      agency: z.object({ id: z.string(), name: z.string() }),
      seatsReturning: z.array(z.object({ id: z.string(), dsp: z.string(), seatId: z.string() })),
      campaignsPausing: z.array(z.object({ id: z.string(), name: z.string() })),
    }),
  )
  .query(async ({ ctx, input }) => {
    const { account, facts } = await loadVisibleAccount(ctx, input.clientId);
    assertMay(ctx.actor, facts, 'connections.manage');
    assertMayDisconnect({ clientTier: account.clientTier, connectedAgencyId: account.parentId });
    const plan = await planDetach(ctx.db, account);
    return {
      agency: { id: plan.agency.id, name: plan.agency.name },
      seatsReturning: plan.returning.map((s) => ({ id: s.id, dsp: s.dsp, seatId: s.externalId })),
      campaignsPausing: plan.pausing.map((c) => ({ id: c.id, name: c.name })),
    };
  });
