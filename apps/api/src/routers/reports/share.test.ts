import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '@trellis/db/testing';
import { codeOf, holdingWithAdmin, memberOf } from '../../testing';

const t = useTestDatabase();
const query = { groupBy: ['day' as const], range: { preset: 'last7' as const } };
const PUBLIC = 'http://localhost:3000';

/** Holding H > agency A (operator "aop", analyst) > standard client C1 (admin, analyst) and C2 (admin). */
async function world() {
  const { holding, admin } = await holdingWithAdmin(t.db, 'H', 'hadmin@h.test');
  const A = await admin.caller.accounts.create({ parentId: holding.id, name: 'Bright Media', kind: 'agency' });
  const C1 = await admin.caller.accounts.create({ parentId: A.id, name: 'Acme Foods', kind: 'client' });
  const C2 = await admin.caller.accounts.create({ parentId: A.id, name: 'Other Client', kind: 'client' });
  const aOperator = await memberOf(t.db, 'aop@bright.test', A, 'operator');
  const aAnalyst = await memberOf(t.db, 'analyst@bright.test', A, 'analyst');
  const c1Admin = await memberOf(t.db, 'admin@acme.test', C1, 'admin');
  const c1Analyst = await memberOf(t.db, 'analyst@acme.test', C1, 'analyst');
  await memberOf(t.db, 'admin@other.test', C2, 'admin');
  const report = await aOperator.caller.reports.save({ accountId: A.id, name: 'Weekly delivery', query });
  return { A, C1, C2, aOperator, aAnalyst, c1Admin, c1Analyst, report };
}

const mail = () =>
  t.db
    .selectFrom('mail_outbox')
    .select(['account_id', 'to_email', 'subject', 'body', 'link', 'sent_by'])
    .orderBy('id')
    .execute();

describe('reports.share mail', () => {
  it("tells the client's members who may see reports, once, with a link that opens the report", async () => {
    const w = await world();
    await w.aOperator.caller.reports.share({ reportId: w.report.id, clientId: w.C1.id });
    const link = `${PUBLIC}/accounts/${w.C1.id}/shared-reports?report=${w.report.id}`;
    const sent = await mail();
    // every role of a client's own members may view what is shared with it; nobody of the agency, nor C2, is told
    expect(sent.map((m) => m.to_email)).toEqual(['admin@acme.test', 'analyst@acme.test']);
    for (const m of sent)
      expect(m).toMatchObject({
        account_id: w.C1.id,
        subject: 'Bright Media shared the report “Weekly delivery” with Acme Foods',
        body:
          'aop of Bright Media shared the report “Weekly delivery” with Acme Foods. It shows only the spend of ' +
          'Acme Foods; run it and export it on the Shared reports page.',
        link,
        sent_by: null,
      });
    // the addressee reads it in the outbox and may open what it links to
    expect((await w.c1Analyst.caller.outbox.list({})).items.map((m) => m.link)).toEqual([link]);
    expect((await w.c1Analyst.caller.reports.shared({ accountId: w.C1.id })).items.map((r) => r.id)).toEqual([
      w.report.id,
    ]);
    // the sharer does not read the client's addresses
    expect((await w.aOperator.caller.outbox.list({})).items).toEqual([]);

    // sharing it again changes nothing and tells nobody again; unsharing tells nobody
    await w.aOperator.caller.reports.share({ reportId: w.report.id, clientId: w.C1.id });
    await w.aOperator.caller.reports.unshare({ reportId: w.report.id, clientId: w.C1.id });
    expect(await mail()).toHaveLength(2);
  });

  it('sends nothing for a share that is refused', async () => {
    const w = await world();
    expect(await codeOf(w.aAnalyst.caller.reports.share({ reportId: w.report.id, clientId: w.C1.id }))).toBe(
      'FORBIDDEN',
    );
    expect(await codeOf(w.c1Admin.caller.reports.share({ reportId: w.report.id, clientId: w.C1.id }))).toBe(
      'NOT_FOUND',
    );
    expect(await mail()).toEqual([]);
  });
});
