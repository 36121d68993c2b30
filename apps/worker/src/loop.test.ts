import { describe, expect, it } from 'vitest';
import { startLoop } from './loop';

describe('the job loop', () => {
  it('stops promptly when stop() comes while a unit is in flight, even for a job that idles for an hour', async () => {
    let started!: () => void;
    const inFlight = new Promise<void>((r) => (started = r));
    const loop = startLoop(
      [
        {
          name: 'slow',
          run: async () => {
            started();
            await new Promise((r) => setTimeout(r, 200));
            return null;
          },
          idleMs: 3_600_000,
        },
      ],
      () => {},
    );
    await inFlight;
    const t0 = Date.now();
    await loop.stop();
    expect(Date.now() - t0).toBeLessThan(2_000);
  });
});
