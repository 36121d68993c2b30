import { useQuery } from '@tanstack/react-query';
import { useTRPC, type RouterOutputs } from '../../lib/trpc';

export type Target = RouterOutputs['connections']['searchTargets']['items'][number];
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
export const uuidIn = (q: string) => UUID.exec(q)?.[0]?.toLowerCase() ?? null;

/**
 * `connections.searchTargets {fromAccountId, q}`: the accounts the caller may send a request to, matched by name
 * (an agency: agencies of its own holding), exact id or a pasted invitation link (SPEC 2.2).
 */
export function useSearchTargets(fromAccountId: string, q: string) {
  const trpc = useTRPC();
  const query = q.trim().slice(0, 200);
  return useQuery({
    ...trpc.connections.searchTargets.queryOptions({ fromAccountId, q: query }),
    enabled: Boolean(fromAccountId) && query.length > 0,
    staleTime: 30_000,
  });
}
