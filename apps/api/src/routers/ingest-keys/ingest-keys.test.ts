import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '@trellis/db/testing';
import { holdingWithAdmin, memberOf } from '../../testing';

const t = useTestDatabase();

describe('ingestKeys.revoke', () => {
  it("lets a connected premium client's own admins revoke the key it made as its own root, and nobody above", async () => {
    const { op, holding, admin } = await holdingWithAdmin(t.db);
    const A = await admin.caller.accounts.create({ parentId: holding.id, name: 'A', kind: 'agency' });
    const P = await op.caller.clients.createPremium({ name: 'Premium Co', currency: 'EUR', timeZone: 'UTC' });
    const aAdmin = await memberOf(t.db, 'aadmin@x.test', A, 'admin');
    const pAdmin = await memberOf(t.db, 'padmin@x.test', P, 'admin');
    const key = await pAdmin.caller.ingestKeys.create({ accountId: P.id, name: 'own feed' });
    const req = await pAdmin.caller.connections.request({ clientId: P.id, agencyId: A.id });
    await aAdmin.caller.connections.accept({ connectionId: req.id });

    // the agency and the holding never see the keys of the client's time before the connection
    for (const above of [aAdmin, admin]) {
      const e = await above.caller.ingestKeys.revoke({ keyId: key.id }).catch((err) => err);
      expect([e.code, e.message]).toEqual(['NOT_FOUND', 'Ingest key not found.']);
    }
    const revoked = await pAdmin.caller.ingestKeys.revoke({ keyId: key.id });
    expect(revoked).toMatchObject({ id: key.id, accountId: P.id, revokedAt: expect.any(String) });
    // its audit entry is the client's, in the organisation it is in now; revoking again changes nothing
    const entries = (await pAdmin.caller.audit.list({ accountId: P.id })).items;
    expect(entries.filter((e) => e.action === 'ingestKey.revoke').map((e) => e.entityId)).toEqual([key.id]);
    expect(await pAdmin.caller.ingestKeys.revoke({ keyId: key.id })).toEqual(revoked);
  });
});
