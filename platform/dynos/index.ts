/** Dynos: the manager and its contract. Import from here. */
export { DynoManager } from './manager';
export type { DynoInfo, DynoManagerOptions, DynoSettings, DynoState, OneOffIo, ReleaseSpec } from './types';
export { restartDelayMs, crashesInARow } from './crash-backoff';
