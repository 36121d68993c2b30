/**
 * The watchdog of `pnpm start` (issue 12): started by scripts/start.ts with an IPC channel, in a process group of its
 * own. The supervisor tells it each process it starts; if the channel closes before the supervisor said "done" (the
 * supervisor died, however: kill -9, out of memory), it ends them: the api and the worker first (SIGTERM to their
 * groups, SIGKILL after 10 s), then the database server (SIGINT, a fast shutdown; SIGQUIT after 15 s). Plain
 * JavaScript, no dependencies, so it starts at once and cannot fail to load.
 */
const children = new Set();
let database = null;
let done = false;

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const signal = (pid, sig, group) => {
  try {
    process.kill(group ? -pid : pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {}
  }
};
const gone = async (pids, ms) => {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!pids.some(alive)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !pids.some(alive);
};

process.on('message', (m) => {
  if (m && typeof m === 'object') {
    if (Number.isInteger(m.child)) children.add(m.child);
    if (Number.isInteger(m.database)) database = m.database;
    if (m.done === true) done = true;
  }
});
// a Ctrl-C or a TERM meant for the supervisor is the supervisor's to handle; this process ends when its channel does
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});

process.on('disconnect', async () => {
  if (done) process.exit(0);
  const pids = [...children];
  for (const pid of pids) signal(pid, 'SIGTERM', true);
  if (!(await gone(pids, 10_000))) for (const pid of pids) signal(pid, 'SIGKILL', true);
  if (database !== null && alive(database)) {
    signal(database, 'SIGINT', false);
    if (!(await gone([database], 15_000))) {
      signal(database, 'SIGQUIT', false);
      await gone([database], 5_000);
    }
  }
  process.exit(0);
});
