import { ingestKeys } from '@trellis/db';
import { accountProcedure } from '../../trpc';
import { page } from '../shapes';
import { assertRootAccount, ingestKeyOut, toIngestKeyOut } from './shape';

/** The ingest keys of a root account (never the keys themselves), newest first. */
export const listIngestKeysRoute = accountProcedure()
  .output(page(ingestKeyOut))
  .query(async ({ ctx }) => {
    ctx.may('ingestKeys.manage');
    assertRootAccount(ctx.account);
    return { items: (await ingestKeys.listKeys(ctx.db, ctx.account.id)).map(toIngestKeyOut), nextCursor: null };
  });
