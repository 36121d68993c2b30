import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/**
 * The command running a TypeScript entry point as ONE node process (`node --import tsx script …`), the way `pnpm start`
 * runs its children. Not the `tsx` binary: that is a parent relaying signals to a child, and when the child's event
 * loop is busy for more than its 30 ms grace, it SIGKILLs the child and exits 143, so a graceful SIGTERM under load
 * looks like a crash.
 */
export function tsNode(script: string, ...args: string[]): [string, string[]] {
  return [process.execPath, ['--import', tsxLoader, script, ...args]];
}
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
