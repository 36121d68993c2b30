export * from './errors';
export * from './levels';
export * from './roles';
export * from './authorize';
export * from './hierarchy';
export * from './members';
export * from './seats';
export * from './deals';
