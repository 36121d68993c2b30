import { randomUUID } from 'node:crypto';
import type { Db, Trx } from '../connect';

/** A machine credential of one root account (SPEC 1): it may only push spend into that root. */
export interface IngestKey {
  id: string;
  rootId: string;
  name: string;
  /** The first characters of the key, to recognise it in a list (the key itself is never stored). */
  keyPrefix: string;
  createdBy: string | null;
  createdAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  batches: number;
}

type Row = {
  id: string;
  root_id: string;
  name: string;
  key_prefix: string;
  created_by: string | null;
  created_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
  batches: string;
};
const toKey = (r: Row): IngestKey => ({
  id: r.id,
  rootId: r.root_id,
  name: r.name,
  keyPrefix: r.key_prefix,
  createdBy: r.created_by,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
  lastUsedAt: r.last_used_at,
  batches: Number(r.batches),
});
const COLUMNS = [
  'id',
  'root_id',
  'name',
  'key_prefix',
  'created_by',
  'created_at',
  'revoked_at',
  'last_used_at',
  'batches',
] as const;

export async function insertKey(
  db: Db | Trx,
  k: { rootId: string; name: string; keyHash: string; keyPrefix: string; createdBy: string },
): Promise<IngestKey> {
  const row = await db
    .insertInto('ingest_keys')
    .values({
      id: randomUUID(),
      root_id: k.rootId,
      name: k.name,
      key_hash: k.keyHash,
      key_prefix: k.keyPrefix,
      created_by: k.createdBy,
    })
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
  return toKey(row);
}

export async function listKeys(db: Db | Trx, rootId: string): Promise<IngestKey[]> {
  const rows = await db
    .selectFrom('ingest_keys')
    .select(COLUMNS)
    .where('root_id', '=', rootId)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .execute();
  return rows.map(toKey);
}

export async function findKey(db: Db | Trx, id: string): Promise<IngestKey | undefined> {
  const r = await db.selectFrom('ingest_keys').select(COLUMNS).where('id', '=', id).executeTakeFirst();
  return r && toKey(r);
}

/** The live (not revoked) key of a root with that hash. */
export async function findLiveKeyByHash(db: Db | Trx, rootId: string, keyHash: string): Promise<IngestKey | undefined> {
  const r = await db
    .selectFrom('ingest_keys')
    .select(COLUMNS)
    .where('root_id', '=', rootId)
    .where('key_hash', '=', keyHash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return r && toKey(r);
}

export async function revokeKey(
  db: Db | Trx,
  k: { rootId: string; id: string; by: string; at: Date },
): Promise<IngestKey> {
  const row = await db
    .updateTable('ingest_keys')
    .set({ revoked_at: k.at, revoked_by: k.by })
    .where('root_id', '=', k.rootId)
    .where('id', '=', k.id)
    .where('revoked_at', 'is', null)
    .returning(COLUMNS)
    .executeTakeFirst();
  return row ? toKey(row) : (await findKey(db, k.id))!;
}
