import path from 'node:path';
import { z } from 'zod';

/** Configuration is read from the environment once, here (SPEC 11). */
const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATABASE_URL: z.string().min(1).optional(),
  TRELLIS_DATA_DIR: z.string().min(1).default('.data'),
  TRELLIS_ADMIN_EMAIL: z.email().optional(),
  TRELLIS_ADMIN_PASSWORD: z.string().min(10).optional(),
  TRELLIS_DEMO: z.enum(['0', '1']).default('1'),
  TRELLIS_PUBLIC_URL: z.url().optional(),
  TRELLIS_WEB_DIST: z.string().optional(),
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
