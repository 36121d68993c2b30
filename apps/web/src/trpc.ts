import { QueryClient } from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import type { AppRouter, RouterInputs, RouterOutputs } from '@trellis/api';

export type { RouterInputs, RouterOutputs };
export const { TRPCProvider, useTRPC } = createTRPCContext<AppRouter>();

export function makeClients() {
  const queryClient = new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        // Refusals are answers, not outages: do not retry them.
        retry: (count, error) => !(error instanceof TRPCClientError && error.data?.httpStatus && error.data.httpStatus < 500) && count < 2,
      },
    },
  });
  // The session travels as an httpOnly cookie set by auth.signIn.
  const trpcClient = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: '/trpc', maxItems: 50 })] });
  return { queryClient, trpcClient };
}

interface ErrorData {
  code?: string;
  rule?: string | null;
  fieldErrors?: Record<string, string> | null;
}

/** The readable message of a failed call. */
export function errorMessage(error: unknown): string | null {
  if (!error) return null;
  if (error instanceof TRPCClientError) return error.message;
  return error instanceof Error ? error.message : 'Something went wrong.';
}

/** The message for one input field, when the server named it. */
export function fieldError(error: unknown, field: string): string | null {
  if (!(error instanceof TRPCClientError)) return null;
  return ((error.data as ErrorData | undefined)?.fieldErrors ?? {})[field] ?? null;
}

export function errorCode(error: unknown): string | null {
  return error instanceof TRPCClientError ? ((error.data as ErrorData | undefined)?.code ?? null) : null;
}
