/** Every route file of the API, in registration order. Adding routes is one file plus one line here. */
import type { RouteRegistrar } from '../app.js';

export const routeRegistrars: RouteRegistrar[] = [];
