import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '@trellis/db/testing';
import { createContextInner } from '../context';
import { createCaller } from '../root';
import { anonymous, holdingWithAdmin } from '../testing';
import { smtpMailer } from './mailer';

const t = useTestDatabase();

/** A real SMTP peer on 127.0.0.1 that keeps what it receives. */
const received: { to: string[]; data: string }[] = [];
let smtp: SMTPServer;
let port: number;
beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      let data = '';
      stream.on('data', (c: Buffer) => (data += c.toString()));
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), data });
        callback();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
  port = (smtp.server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => smtp.close(() => r())));

describe('mail through SMTP (TRELLIS_SMTP_URL)', () => {
  it('sends the invitation link only to the invitee: the inviter gets no token and the outbox copy has no link', async () => {
    const { holding, admin } = await holdingWithAdmin(t.db);
    const mailer = smtpMailer(`smtp://127.0.0.1:${port}`, 'Trellis <no-reply@trellis.test>');
    const caller = createCaller(
      await createContextInner({ db: t.db, sessionToken: admin.token, mailer, publicUrl: 'https://trellis.example' }),
    );
    const inv = await caller.members.invite({ accountId: holding.id, email: 'invitee@x.test', role: 'analyst' });
    expect(inv.token).toBeNull();
    expect(inv.link).toBeNull();

    const mail = received.find((m) => m.to.includes('invitee@x.test'))!;
    const link = /https:\/\/trellis\.example\/invite\/([\w-]{43})/.exec(mail.data.replace(/=\r?\n/g, ''));
    expect(link).not.toBeNull();
    const rows = await t.db.selectFrom('mail_outbox').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.link).toBeNull();
    expect(JSON.stringify(rows)).not.toContain(link![1]);

    const accepted = await (
      await anonymous(t.db)
    ).members.acceptInvitation({ token: link![1]!, name: 'Invitee', password: 'a long new password' });
    expect(accepted.membership.accountId).toBe(holding.id);
  });

  it('fails the invitation, changing nothing, when the mail server cannot be reached', async () => {
    const { holding, admin } = await holdingWithAdmin(t.db);
    const mailer = smtpMailer('smtp://127.0.0.1:1', 'Trellis <no-reply@trellis.test>');
    const caller = createCaller(await createContextInner({ db: t.db, sessionToken: admin.token, mailer }));
    const e = await caller.members
      .invite({ accountId: holding.id, email: 'invitee@x.test', role: 'analyst' })
      .catch((x) => x);
    expect(e.code).toBe('SERVICE_UNAVAILABLE');
    expect(await t.db.selectFrom('invitations').selectAll().execute()).toEqual([]);
    expect(await t.db.selectFrom('mail_outbox').selectAll().execute()).toEqual([]);
  });
});
