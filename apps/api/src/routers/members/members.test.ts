import { describe, expect, it } from 'vitest';
import { INVITATION_TTL_MS } from '@trellis/domain';
import { useTestDatabase } from '@trellis/db/testing';
import { anonymous, codeOf, grant, holdingWithAdmin, snapshot, userWithCaller, memberOf } from '../../testing';

const t = useTestDatabase();

describe('members.invite and members.acceptInvitation', () => {
  it('invites by email into the outbox, and accepting creates the user, the membership and a session', async () => {
    const { holding, admin } = await holdingWithAdmin(t.db);
    const inv = await admin.caller.members.invite({
      accountId: holding.id,
      email: 'New.Person@X.test',
      role: 'operator',
    });
    expect(inv).toMatchObject({ email: 'new.person@x.test', role: 'operator', accountId: holding.id });
    const mail = await admin.caller.outbox.list({});
    expect(mail.items).toHaveLength(1);
    expect(mail.items[0]!.link).toBe(inv.link);
    expect(inv.link).toContain(inv.token);

    const accepted = await (
      await anonymous(t.db)
    ).members.acceptInvitation({ token: inv.token!, name: 'New Person', password: 'a long new password' });
    expect(accepted.membership).toMatchObject({ accountId: holding.id, role: 'operator', email: 'new.person@x.test' });
    const members = await admin.caller.members.list({ accountId: holding.id });
    expect(members.items.map((m) => [m.email, m.role])).toEqual([
      ['admin@holding.test', 'admin'],
      ['new.person@x.test', 'operator'],
    ]);
    expect(members.nextCursor).toBeNull();
    const actions = (await admin.caller.audit.list({ accountId: holding.id })).items.map((e) => e.action);
    expect(actions).toEqual(['membership.create', 'invitation.create', 'account.create']);
  });

  it('refuses a used, an expired and a revoked token, changing nothing', async () => {
    const { holding, admin } = await holdingWithAdmin(t.db);
    const anon = await anonymous(t.db);
    const used = await admin.caller.members.invite({ accountId: holding.id, email: 'u@x.test', role: 'analyst' });
    await anon.members.acceptInvitation({ token: used.token!, name: 'U', password: 'a long new password' });
    const expired = await admin.caller.members.invite({ accountId: holding.id, email: 'e@x.test', role: 'analyst' });
    const revoked = await admin.caller.members.invite({ accountId: holding.id, email: 'r@x.test', role: 'analyst' });
    await admin.caller.invitations.revoke({ invitationId: revoked.id });
    const before = await snapshot(t.db);

    const reuse = await anon.members
      .acceptInvitation({ token: used.token!, name: 'U', password: 'a long new password' })
      .catch((e) => e);
    expect([reuse.code, reuse.message]).toEqual(['CONFLICT', 'This invitation has already been used.']);
    const later = await anonymous(t.db, { now: () => new Date(Date.now() + INVITATION_TTL_MS + 1000) });
    const exp = await later.members
      .acceptInvitation({ token: expired.token!, name: 'E', password: 'a long new password' })
      .catch((e) => e);
    expect([exp.code, exp.message]).toEqual(['CONFLICT', 'This invitation has expired; ask for a new one.']);
    expect(
      await codeOf(
        anon.members.acceptInvitation({ token: revoked.token!, name: 'R', password: 'a long new password' }),
      ),
    ).toBe('CONFLICT');
    expect(
      await codeOf(anon.members.acceptInvitation({ token: 'not-a-token', name: 'R', password: 'a long new password' })),
    ).toBe('NOT_FOUND');
    expect(await snapshot(t.db)).toEqual(before);
  });

  it('lets only admins invite, a platform operator invite to a root, and nobody outside the tree', async () => {
    const { op, holding, admin } = await holdingWithAdmin(t.db);
    const agency = await admin.caller.accounts.create({ parentId: holding.id, name: 'A', kind: 'agency' });
    const operator = await memberOf(t.db, 'operator@x.test', holding, 'operator');
    const other = await holdingWithAdmin(t.db, 'Other', 'admin@other.test');
    expect(
      await codeOf(operator.caller.members.invite({ accountId: holding.id, email: 'z@x.test', role: 'analyst' })),
    ).toBe('FORBIDDEN');
    expect(
      await codeOf(other.admin.caller.members.invite({ accountId: holding.id, email: 'z@x.test', role: 'analyst' })),
    ).toBe('NOT_FOUND');
    expect(await codeOf(op.caller.members.invite({ accountId: holding.id, email: 'z@x.test', role: 'admin' }))).toBe(
      'ok',
    );
    expect(await codeOf(op.caller.members.invite({ accountId: agency.id, email: 'z@x.test', role: 'admin' }))).toBe(
      'NOT_FOUND',
    );
    expect(
      await codeOf(
        admin.caller.members.invite({ accountId: holding.id, email: 'admin@holding.test', role: 'analyst' }),
      ),
    ).toBe('CONFLICT');
  });

  it('lets only those who may invite revoke, and finds nothing outside the tree', async () => {
    const { holding, admin } = await holdingWithAdmin(t.db);
    const inv = await admin.caller.members.invite({ accountId: holding.id, email: 'p@x.test', role: 'analyst' });
    const operator = await memberOf(t.db, 'operator@x.test', holding, 'operator');
    const other = await holdingWithAdmin(t.db, 'Other', 'admin@other.test');
    const before = await snapshot(t.db);
    expect(await codeOf(operator.caller.invitations.revoke({ invitationId: inv.id }))).toBe('FORBIDDEN');
    expect(await codeOf(other.admin.caller.invitations.revoke({ invitationId: inv.id }))).toBe('NOT_FOUND');
    expect(await snapshot(t.db)).toEqual(before);
    const revoked = await admin.caller.invitations.revoke({ invitationId: inv.id });
    expect(revoked.revokedAt).toBeTruthy();
  });

  it('replaces a pending invitation for the same email, and revokes only pending ones', async () => {
    const { holding, admin } = await holdingWithAdmin(t.db);
    const first = await admin.caller.members.invite({ accountId: holding.id, email: 'p@x.test', role: 'analyst' });
    const second = await admin.caller.members.invite({ accountId: holding.id, email: 'p@x.test', role: 'operator' });
    const pending = await admin.caller.invitations.list({ accountId: holding.id });
    expect(pending.items.map((i) => i.id)).toEqual([second.id]);
    expect(await codeOf(admin.caller.invitations.revoke({ invitationId: first.id }))).toBe('CONFLICT');
  });
});

describe('members.setRole and members.remove', () => {
  it('never removes or demotes the last admin of a root account', async () => {
    const { holding, admin } = await holdingWithAdmin(t.db);
    const [mine] = (await admin.caller.members.list({ accountId: holding.id })).items;
    const before = await snapshot(t.db);
    const demote = await admin.caller.members.setRole({ membershipId: mine!.id, role: 'operator' }).catch((e) => e);
    expect([demote.code, demote.message]).toEqual([
      'CONFLICT',
      'This is the last admin of the account; make someone else admin first.',
    ]);
    expect(await codeOf(admin.caller.members.remove({ membershipId: mine!.id }))).toBe('CONFLICT');
    expect(await snapshot(t.db)).toEqual(before);

    const second = await userWithCaller(t.db, 'second@x.test');
    const m2 = await grant(t.db, second.user.id, holding, 'analyst');
    await admin.caller.members.setRole({ membershipId: m2.id, role: 'admin' });
    expect(await codeOf(admin.caller.members.remove({ membershipId: mine!.id }))).toBe('ok');
    expect(await codeOf(second.caller.members.remove({ membershipId: m2.id }))).toBe('CONFLICT');
  });

  it('lets an admin of an ancestor manage members below, and not the other way round', async () => {
    const { holding, admin } = await holdingWithAdmin(t.db);
    const agency = await admin.caller.accounts.create({ parentId: holding.id, name: 'A', kind: 'agency' });
    const agencyAdmin = await userWithCaller(t.db, 'aa@x.test');
    const am = await grant(t.db, agencyAdmin.user.id, agency, 'admin');
    const [holdingAdminMembership] = (await admin.caller.members.list({ accountId: holding.id })).items;
    expect(
      await codeOf(agencyAdmin.caller.members.setRole({ membershipId: holdingAdminMembership!.id, role: 'analyst' })),
    ).toBe('NOT_FOUND');
    const analyst = await userWithCaller(t.db, 'an@x.test');
    const an = await grant(t.db, analyst.user.id, agency, 'analyst');
    expect(await codeOf(analyst.caller.members.remove({ membershipId: am.id }))).toBe('FORBIDDEN');
    // the last admin rule is about root accounts: a sub-account may lose its only admin
    expect(await codeOf(admin.caller.members.remove({ membershipId: am.id }))).toBe('ok');
    const changed = await admin.caller.members.setRole({ membershipId: an.id, role: 'operator' });
    expect(changed.role).toBe('operator');
    const audit = (await admin.caller.audit.list({ accountId: agency.id })).items.map((e) => [
      e.action,
      e.before,
      e.after,
    ]);
    expect(audit[0]).toEqual(['membership.setRole', { role: 'analyst' }, { role: 'operator' }]);
    expect(audit[1]![0]).toBe('membership.remove');
  });

  it('shows audit entries to admins only', async () => {
    const { holding, admin } = await holdingWithAdmin(t.db);
    const analyst = await memberOf(t.db, 'an@x.test', holding, 'analyst');
    expect(await codeOf(admin.caller.audit.list({ accountId: holding.id }))).toBe('ok');
    expect(await codeOf(analyst.caller.audit.list({ accountId: holding.id }))).toBe('FORBIDDEN');
  });

  it('pages members with a cursor', async () => {
    const { holding, admin } = await holdingWithAdmin(t.db);
    for (const n of ['b', 'c', 'd']) {
      await memberOf(t.db, `${n}@x.test`, holding, 'analyst');
    }
    const p1 = await admin.caller.members.list({ accountId: holding.id, limit: 2 });
    const p2 = await admin.caller.members.list({ accountId: holding.id, limit: 2, cursor: p1.nextCursor! });
    expect([...p1.items, ...p2.items].map((m) => m.email)).toEqual([
      'admin@holding.test',
      'b@x.test',
      'c@x.test',
      'd@x.test',
    ]);
    expect(p2.nextCursor).toBeNull();
  });
});
