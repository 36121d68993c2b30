import { z } from 'zod';
import { teams } from '@trellis/db';
import { authedProcedure, assertMay, loadVisibleAccount } from '../../trpc';
import { id, page, role } from '../shapes';

/** The agency's teams with their clients and members. */
export const listTeamsRoute = authedProcedure
  .input(z.object({ agencyId: id }))
  .output(
    page(
      z.object({
        id: z.string(),
        name: z.string(),
        clients: z.array(z.object({ id: z.string(), name: z.string() })),
        members: z.array(z.object({ id: z.string(), email: z.string(), name: z.string(), role })),
      }),
    ),
  )
  .query(async ({ ctx, input }) => {
    const { facts } = await loadVisibleAccount(ctx, input.agencyId);
    assertMay(ctx.actor, facts, 'members.view');
    const list = await teams.teamsOfAgency(ctx.db, input.agencyId);
    return {
      items: list.map((t) => ({ id: t.id, name: t.name, clients: t.clients, members: t.members })),
      nextCursor: null,
    };
  });
