import { addedNavigator } from './pg-runtime-probe.js';

/** Imported after `pg`: the `navigator` added for its runtime check goes away (see pg-runtime-probe.ts). */
if (addedNavigator) delete (globalThis as { navigator?: unknown }).navigator;
