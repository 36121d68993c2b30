import { router } from '../../trpc';
import { meRoute } from './me';
import { signInRoute } from './sign-in';
import { signOutRoute } from './sign-out';

export const authRouter = router({ signIn: signInRoute, signOut: signOutRoute, me: meRoute });
