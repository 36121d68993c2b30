import { createFileRoute } from '@tanstack/react-router';
import { AccountLayout } from '../../../features/shell/account-layout';

export const Route = createFileRoute('/accounts/$accountId')({ component: Layout });

function Layout() {
  const { accountId } = Route.useParams();
  return <AccountLayout key={accountId} accountId={accountId} />;
}
