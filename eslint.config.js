import { base } from '@trellis/eslint-config/base';

// The root holds only the scripts (start, benches, watchdog) and the tooling; each package lints itself.
export default base(import.meta.dirname);
