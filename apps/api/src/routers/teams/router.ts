import { router } from '../../trpc';
import { assignClientRoute } from './assign-client';
import { createTeamRoute } from './create';
import { listTeamsRoute } from './list';

export const teamsRouter = router({ create: createTeamRoute, assignClient: assignClientRoute, list: listTeamsRoute });
