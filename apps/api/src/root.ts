import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { accountsRouter } from './routers/accounts/router';
import { auditRouter } from './routers/audit/router';
import { authRouter } from './routers/auth/router';
import { invitationsRouter } from './routers/invitations/router';
import { membersRouter } from './routers/members/router';
import { outboxRouter } from './routers/outbox/router';
import { dealsRouter } from './routers/deals/router';
import { seatsRouter } from './routers/seats/router';
import { campaignsRouter } from './routers/campaigns/router';
import { clientsRouter } from './routers/clients/router';
import { connectionsRouter } from './routers/connections/router';
import { teamsRouter } from './routers/teams/router';
import { ingestKeysRouter } from './routers/ingest-keys/router';
import { spendRouter } from './routers/spend/router';
import { reportsRouter } from './routers/reports/router';
import { creditsRouter } from './routers/credits/router';
import { createCallerFactory, router } from './trpc';

export const appRouter = router({
  auth: authRouter,
  accounts: accountsRouter,
  members: membersRouter,
  invitations: invitationsRouter,
  audit: auditRouter,
  outbox: outboxRouter,
  seats: seatsRouter,
  deals: dealsRouter,
  clients: clientsRouter,
  connections: connectionsRouter,
  teams: teamsRouter,
  campaigns: campaignsRouter,
  credits: creditsRouter,
  ingestKeys: ingestKeysRouter,
  spend: spendRouter,
  reports: reportsRouter,
});

export type AppRouter = typeof appRouter;
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export const createCaller = createCallerFactory(appRouter);
