import path from 'node:path';
import { z } from 'zod';
import { LOG_LEVELS } from './lib/log';

/** Configuration is read from the environment once, here (SPEC 11). */
const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATABASE_URL: z.string().min(1).optional(),
  TRELLIS_DATA_DIR: z.string().min(1).default('.data'),
  TRELLIS_ADMIN_EMAIL: z.email().optional(),
  TRELLIS_ADMIN_PASSWORD: z.string().optional(),
  /** Demo data: `pnpm start` passes 1 when it starts the embedded server; with a DATABASE_URL of your own, default 0. */
  TRELLIS_DEMO: z.enum(['0', '1']).default('0'),
  /** Express `trust proxy`: a hop count or the proxy's addresses/subnets (`loopback`, `10.0.0.0/8`); default none. */
  TRELLIS_TRUST_PROXY: z.string().min(1).optional(),
  /** A real mail transport (`smtp://user:pass@host:587`); unset: mail goes to the built-in outbox. */
  TRELLIS_SMTP_URL: z.url().optional(),
  TRELLIS_MAIL_FROM: z.string().min(3).default('Trellis <no-reply@localhost>'),
  TRELLIS_PUBLIC_URL: z.url().optional(),
  TRELLIS_WEB_DIST: z.string().optional(),
  /** Log level of the structured (JSON) logs: fatal, error, warn, info (default), debug, trace, silent. */
  TRELLIS_LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  /** A bearer token for GET /metrics (at least 16 characters); unset: /metrics answers direct callers on this machine only. */
  TRELLIS_METRICS_TOKEN: z.string().min(16).optional(),
});

export type Env = z.infer<typeof schema>;

export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const env = parsed.data;
  if ((env.TRELLIS_ADMIN_EMAIL === undefined) !== (env.TRELLIS_ADMIN_PASSWORD === undefined)) {
    throw new Error('Invalid configuration: set both TRELLIS_ADMIN_EMAIL and TRELLIS_ADMIN_PASSWORD, or neither.');
  }
  return env;
}

export const defaultWebDist = () => path.resolve(import.meta.dirname, '../../web/dist');
