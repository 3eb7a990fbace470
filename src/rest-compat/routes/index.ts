import type { AnyRoute } from '../route';
import { agentCredentialRoutes } from './agent-credentials.routes';
import { attributeRoutes } from './attributes.routes';
import { clientRelationRoutes } from './client-relations.routes';
import { clientRoutes } from './clients.routes';
import { dashboardRoutes } from './dashboard.routes';
import { fileRoutes } from './files.routes';
import { groupRoutes } from './groups.routes';
import { remoteFolderRoutes } from './remote-folders.routes';
import { jobBindingRoutes } from './job-bindings.routes';
import { jobDryRunRoutes } from './job-dry-run.routes';
import { jobRoutes } from './jobs.routes';
import { logRoutes } from './logs.routes';
import { maintenanceRoutes } from './maintenance.routes';
import { authRoutes } from './operators.routes';
import { settingsRoutes } from './settings.routes';
import { taskRelationRoutes } from './task-relations.routes';
import { taskRoutes } from './tasks.routes';

/**
 * Every /v1 route of the REST document (93), one table per domain. Registration order does not
 * matter: the router sorts static segments before parameters (router.ts).
 */
export const REST_ROUTES: readonly AnyRoute[] = [
  ...logRoutes,
  ...dashboardRoutes,
  ...jobRoutes,
  ...jobBindingRoutes,
  ...taskRoutes,
  ...taskRelationRoutes,
  ...groupRoutes,
  ...maintenanceRoutes,
  ...clientRoutes,
  ...clientRelationRoutes,
  ...settingsRoutes,
  ...attributeRoutes,
];

/** Routes beside the documented ones (docs/rest-compat.md, "Routes beside the document"): the file store and remote folders; logging in and out, accounts, API keys, the audit log; a job's dry run; agents' credentials. */
export const ADDED_ROUTES: readonly AnyRoute[] = [...fileRoutes, ...remoteFolderRoutes, ...authRoutes, ...jobDryRunRoutes, ...agentCredentialRoutes];

/** What the /v1 router serves. */
export const SERVED_ROUTES: readonly AnyRoute[] = [...REST_ROUTES, ...ADDED_ROUTES];
