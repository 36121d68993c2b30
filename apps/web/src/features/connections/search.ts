import { useQuery } from '@tanstack/react-query';

export interface Target { id: string; name: string; kind: 'agency' | 'client'; holdingName: string | null }
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
export const uuidIn = (q: string) => UUID.exec(q)?.[0]?.toLowerCase() ?? null;

/**
 * `connections.searchTargets {fromAccountId, q}` (CONTRACTS.md): the accounts the caller may send a request to,
 * matched by name, id or pasted invitation link. Called over plain HTTP so the page also works against an api that
 * does not have it yet: then `available` is false and the screen falls back to exact-id entry.
 */
export function useSearchTargets(fromAccountId: string, q: string) {
  const query = q.trim();
  return useQuery({
    queryKey: ['connections.searchTargets', fromAccountId, query],
    enabled: query.length > 0,
    staleTime: 30_000,
    queryFn: async (): Promise<{ available: boolean; items: Target[] }> => {
      const res = await fetch(`/trpc/connections.searchTargets?input=${encodeURIComponent(JSON.stringify({ fromAccountId, q: query.slice(0, 200) }))}`, { credentials: 'same-origin' });
      const body = (await res.json().catch(() => ({}))) as { result?: { data: { items: Target[] } }; error?: { message?: string; data?: { code?: string; path?: string } } };
      if (body.result) return { available: true, items: body.result.data.items };
      if (res.status === 404 && /No procedure found/i.test(body.error?.message ?? '')) return { available: false, items: [] };
      throw new Error(body.error?.message ?? `The search failed (${res.status}).`);
    },
  });
}
