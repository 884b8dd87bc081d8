/** Every route file of the API, in registration order. Adding routes is one file plus one line here. */
import type { RouteRegistrar } from '../app.js';
import { registerCheckRoutes } from './checks.js';
import { registerHealthRoutes } from './health.js';
import { registerMetricsRoutes } from './metrics.js';
import { registerMigrationRoutes } from './migrations.js';
import { registerOfrepBulkRoutes } from './ofrep-bulk.js';
import { registerOfrepRoutes } from './ofrep.js';
import { registerReloadRoutes } from './reload.js';
import { registerRunEventRoutes } from './run-events.js';
import { registerRunRoutes } from './runs.js';
import { registerStatusPage } from './status-page.js';

export const routeRegistrars: RouteRegistrar[] = [
  registerHealthRoutes,
  registerCheckRoutes,
  registerRunRoutes,
  registerRunEventRoutes,
  registerMetricsRoutes,
  registerMigrationRoutes,
  registerOfrepBulkRoutes,
  registerOfrepRoutes,
  registerReloadRoutes,
  registerStatusPage,
];
