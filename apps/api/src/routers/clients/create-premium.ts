import { createRootAccountRoute } from '../accounts/create-holding';

/** A platform operator creates a premium client: a standalone level-3 account, its own root (SPEC 2, 2.2). */
export const createPremiumRoute = createRootAccountRoute({ kind: 'client', level: 3, clientTier: 'premium' });
