/**
 * The one loop around the jobs: runs each job when due, again at once while it finds work, backs off on errors,
 * logs what each unit did, and on stop lets the unit in flight finish (its transaction commits or rolls back whole).
 */
export interface Job {
  name: string;
  /** One bounded unit of work; returns what it did, or null when there was nothing to do. */
  run: () => Promise<unknown>;
  /** Pause after a unit that found nothing to do. */
  idleMs: number;
}

export interface Loop {
  stop: () => Promise<void>;
  /** Resolves when every job has returned null at least once since the call (tests, the bench). */
  idle: () => Promise<void>;
}

const MAX_BACKOFF_MS = 30_000;

export function startLoop(jobs: Job[], log: (line: string) => void): Loop {
  let stopping = false;
  const wakers = new Set<() => void>();
  // a unit that ends after stop() was called must not go to sleep for its idle time (up to an hour): no sleep once stopping
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (stopping) return resolve();
      const done = () => {
        clearTimeout(t);
        wakers.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      wakers.add(done);
    });
  const idleWaiters: { pending: Set<string>; resolve: () => void }[] = [];
  const markIdle = (name: string) => {
    for (const w of [...idleWaiters]) {
      w.pending.delete(name);
      if (w.pending.size === 0) {
        idleWaiters.splice(idleWaiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };

  const runners = jobs.map(async (job) => {
    let failures = 0;
    while (!stopping) {
      try {
        const did = await job.run();
        failures = 0;
        if (did === null) {
          markIdle(job.name);
          await sleep(job.idleMs);
        } else {
          log(`[worker] ${job.name} ${JSON.stringify(did)}`);
        }
      } catch (e) {
        failures++;
        const wait = Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(failures, 8));
        log(`[worker] ${job.name} failed (retry in ${wait} ms): ${e instanceof Error ? e.message : String(e)}`);
        await sleep(wait);
      }
    }
  });

  return {
    stop: async () => {
      stopping = true;
      for (const w of [...wakers]) w();
      await Promise.all(runners);
    },
    idle: () =>
      new Promise<void>((resolve) => idleWaiters.push({ pending: new Set(jobs.map((j) => j.name)), resolve })),
  };
}
