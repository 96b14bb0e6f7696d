import { createDemoRegistry } from '../workflows';
import { createRouterHandler } from './routerHandler';

/**
 * The router Lambda wired with the demo workflows (the local stack's). A
 * deployment bundles `createRouterHandler` with its own workflows instead
 * (see `infra/functionEntries.ts`).
 */
export const handler = createRouterHandler(createDemoRegistry());
