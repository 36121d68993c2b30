import { ingestKeys, type Db } from '@trellis/db';
import { hashToken, newToken } from './secrets';

/** Ingest keys read `trk_<root id, 32 hex>_<secret>`: the root id routes the lookup; only the hash is stored. */
export const INGEST_KEY_PREFIX = 'trk_';
const KEY = /^trk_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

export interface IngestKeyCaller {
  id: string;
  rootId: string;
}

export const isIngestKeyToken = (token: string): boolean => token.startsWith(INGEST_KEY_PREFIX);

const uuidOf = (hex: string) =>
  `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;

export function newIngestKey(rootId: string): { key: string; hash: string; prefix: string } {
  const key = `${INGEST_KEY_PREFIX}${rootId.replace(/-/g, '').toLowerCase()}_${newToken()}`;
  return { key, hash: hashToken(key), prefix: `${INGEST_KEY_PREFIX}…${key.slice(-6)}` };
}

/** The live key a bearer token names, or null (unknown, malformed or revoked: all the same to the caller). */
export async function ingestKeyOfToken(db: Db, token: string): Promise<IngestKeyCaller | null> {
  const m = KEY.exec(token);
  if (!m) return null;
  const key = await ingestKeys.findLiveKeyByHash(db, uuidOf(m[1]!), hashToken(token));
  return key ? { id: key.id, rootId: key.rootId } : null;
}
