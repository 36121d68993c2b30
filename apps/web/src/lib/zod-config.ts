import { z } from 'zod';

// The api's CSP forbids eval, and zod probes for it (its JIT compiles object parsers with new Function) when an object
// schema is built. Imported first by main.tsx, so this runs before any schema exists.
z.config({ jitless: true });
