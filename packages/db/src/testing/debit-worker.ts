/**
 * A separate process applying spend debits (used by the credits concurrency test): `node --import tsx debit-worker.ts <url> <seed>
 * <batches> <clientIds comma-separated>`. Prints one JSON line with what it applied.
 */
import { createDb } from '../connect';
import { debitSpend } from '../repos/credits';

const [url, seedArg, batchesArg, idsArg] = process.argv.slice(2);
const ids = idsArg!.split(',');
let s = Number(seedArg) >>> 0;
const rand = () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
const db = createDb(url!, { max: 2, applicationName: 'debit-worker' });
let applied = 0;
let total = 0n;
for (let b = 0; b < Number(batchesArg); b++) {
  const items = Array.from({ length: 50 }, (_, i) => {
    const amount = BigInt(1 + Math.floor(rand() * 1000));
    return {
      clientId: ids[Math.floor(rand() * ids.length)]!,
      amountMicros: amount,
      reference: `p${seedArg}-b${b}-i${i}`,
    };
  });
  const r = await db.transaction().execute((trx) => debitSpend(trx, items));
  applied += r.applied;
  for (const c of r.clients) total += c.spentMicros;
}
await db.destroy();
console.log(JSON.stringify({ applied, total: total.toString() }));
