export type { AppRouter, RouterInputs, RouterOutputs } from './root';
