import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '@trellis/db/testing';
import { createApp } from '../../app';
import { holdingWithAdmin } from '../../testing';

/** The e-mail ownership model over the wire: invitation mail is its sender's, never its addressee's (SPEC 12). */
const t = useTestDatabase();
let server: Server;
let base: string;

beforeAll(async () => {
  server = createApp({ db: t.db, publicUrl: 'http://localhost' }).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

/** One tRPC call over HTTP, as any outside client makes it: a query by GET, a mutation by POST. */
async function call(kind: 'query' | 'mutation', name: string, input: unknown, token?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res =
    kind === 'query'
      ? await fetch(`${base}/trpc/${name}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers })
      : await fetch(`${base}/trpc/${name}`, { method: 'POST', headers, body: JSON.stringify(input) });
  const body = (await res.json()) as { result?: { data: unknown }; error?: { data?: { code?: string } } };
  return { status: res.status, data: body.result?.data as Record<string, unknown>, code: body.error?.data?.code };
}

describe('e-mail squatting in outbox mode', () => {
  it("never lets a user created through tenant B's invitation read or accept tenant A's invitation to that email", async () => {
    const a = await holdingWithAdmin(t.db, 'Holding A', 'admin@a.test');
    const b = await holdingWithAdmin(t.db, 'Tenant B', 'admin@b.test');
    // holding A invites victim@x.test; the link is in A's admin's outbox
    const invA = await call(
      'mutation',
      'members.invite',
      {
        accountId: a.holding.id,
        email: 'victim@x.test',
        role: 'admin',
      },
      a.admin.token,
    );
    expect(invA.status).toBe(200);
    const tokenA = invA.data.token as string;
    const aMail = await call('query', 'outbox.list', {}, a.admin.token);
    expect(JSON.stringify(aMail.data)).toContain(tokenA);

    // tenant B's admin invites the same address and accepts its own invitation, choosing the password
    const invB = await call(
      'mutation',
      'members.invite',
      {
        accountId: b.holding.id,
        email: 'victim@x.test',
        role: 'analyst',
      },
      b.admin.token,
    );
    const accepted = await call('mutation', 'members.acceptInvitation', {
      token: invB.data.token,
      name: 'Not The Victim',
      password: 'squatter chose this passphrase',
    });
    expect(accepted.status).toBe(200);
    const signedIn = await call('mutation', 'auth.signIn', {
      email: 'victim@x.test',
      password: 'squatter chose this passphrase',
    });
    expect(signedIn.status).toBe(200);
    const squatter = signedIn.data.token as string;

    // signed in as victim@x.test, B finds nothing of A's mail: no invitation, no link, no token
    const mail = await call('query', 'outbox.list', {}, squatter);
    expect(mail.status).toBe(200);
    expect(mail.data.items).toEqual([]);
    expect(JSON.stringify(mail.data)).not.toContain(tokenA);
    // nor anything of holding A elsewhere
    expect((await call('query', 'invitations.list', { accountId: a.holding.id }, squatter)).code).toBe('NOT_FOUND');
    expect((await call('query', 'accounts.get', { accountId: a.holding.id }, squatter)).code).toBe('NOT_FOUND');
    // the only token B ever held is its own, used once
    expect((await call('mutation', 'members.acceptInvitation', { token: invB.data.token }, squatter)).code).toBe(
      'CONFLICT',
    );

    // A's invitation stays pending, A's sender still sees it, and B is no member of holding A
    const aMailAfter = await call('query', 'outbox.list', {}, a.admin.token);
    expect((aMailAfter.data.items as { to: string; state: string }[]).map((m) => [m.to, m.state])).toEqual([
      ['victim@x.test', 'pending'],
    ]);
    const members = await call('query', 'members.list', { accountId: a.holding.id }, a.admin.token);
    expect((members.data.items as { email: string }[]).map((m) => m.email)).toEqual(['admin@a.test']);
  });

  it('keeps showing an alert the system addressed to a user in their outbox, and the mail a user sent to its sender', async () => {
    const a = await holdingWithAdmin(t.db, 'Holding A', 'admin@a.test');
    await t.db
      .insertInto('mail_outbox')
      .values({
        root_id: a.holding.rootId,
        account_id: a.holding.id,
        to_email: 'admin@a.test',
        subject: 'Low credit balance: X',
        body: 'an alert',
        link: null,
      })
      .execute();
    await call(
      'mutation',
      'members.invite',
      { accountId: a.holding.id, email: 'new@a.test', role: 'admin' },
      a.admin.token,
    );
    const mail = await call('query', 'outbox.list', {}, a.admin.token);
    expect((mail.data.items as { to: string; subject: string }[]).map((m) => [m.to, m.subject])).toEqual([
      ['new@a.test', 'You are invited to Holding A on Trellis'],
      ['admin@a.test', 'Low credit balance: X'],
    ]);
  });
});
