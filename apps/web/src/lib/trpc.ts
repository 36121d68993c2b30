import { MutationCache, QueryClient } from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import type { AppRouter, RouterInputs, RouterOutputs } from '@trellis/api';

export type { RouterInputs, RouterOutputs };
export const { TRPCProvider, useTRPC } = createTRPCContext<AppRouter>();

export function makeClients() {
  const queryClient: QueryClient = new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        // Refusals are answers, not outages: do not retry them.
        retry: (count, error) => (httpStatus(error) ?? 500) >= 500 && count < 2,
      },
    },
    // Every change may show up anywhere (lists, counts, the audit trail): refetch what is on screen after each one.
    // A first load still in flight may have been read before the change committed, and invalidating alone would join
    // it rather than start again (it has no data to keep): cancel those first, so every active query reads afresh.
    mutationCache: new MutationCache({
      onSuccess: () => void refetchAfterChange(queryClient),
    }),
  });
  // The session travels as an httpOnly cookie set by auth.signIn.
  const trpcClient = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: '/trpc', maxItems: 50 })] });
  return { queryClient, trpcClient };
}

async function refetchAfterChange(queryClient: QueryClient): Promise<void> {
  await queryClient.cancelQueries({ fetchStatus: 'fetching' });
  await queryClient.invalidateQueries();
}

interface ErrorData {
  code?: string;
  httpStatus?: number;
  rule?: string | null;
  fieldErrors?: Record<string, string> | null;
}

/** The readable message of a failed call. */
export function errorMessage(error: unknown): string | null {
  if (!error) return null;
  if (error instanceof TRPCClientError) return error.message;
  return error instanceof Error ? error.message : 'Something went wrong.';
}

/** The server's per-field messages, when it named fields. */
export function fieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof TRPCClientError)) return {};
  return (error.data as ErrorData | undefined)?.fieldErrors ?? {};
}

/** The HTTP status the server answered a failed call with; null for a transport error (no answer). */
export function httpStatus(error: unknown): number | null {
  return error instanceof TRPCClientError ? ((error.data as ErrorData | undefined)?.httpStatus ?? null) : null;
}

export function errorCode(error: unknown): string | null {
  return error instanceof TRPCClientError ? ((error.data as ErrorData | undefined)?.code ?? null) : null;
}

/** The product rule that refused (e.g. FORBIDDEN_BY_LEVEL), null for input validation and transport errors. */
export function errorRule(error: unknown): string | null {
  return error instanceof TRPCClientError ? ((error.data as ErrorData | undefined)?.rule ?? null) : null;
}
