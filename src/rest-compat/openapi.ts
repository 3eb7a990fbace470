import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { PERMISSIONS } from '../auth/permissions';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../services/paging';
import { errorBodySchema } from './http-errors';
import type { AnyRoute, RawResponses } from './route';

/** `/jobs/:jobId/details` (express) -> `/v1/jobs/{jobId}/details` (OpenAPI). */
export function openApiPath(expressPath: string): string {
  return `/v1${expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`;
}

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: errorBodySchema } } });

/** The answers of a route that answers bytes (a download), as its `raw` table describes them. */
function rawResponses(raw: RawResponses) {
  return Object.fromEntries(
    Object.entries(raw).map(([status, r]) => [
      status,
      {
        description: r.description,
        headers:
          r.headers && Object.fromEntries(Object.entries(r.headers).map(([name, description]) => [name, { description, schema: { type: 'string' as const } }])),
        content: r.json
          ? { 'application/json': { schema: r.json } }
          : r.contentType
            ? { [r.contentType]: { schema: { type: 'string' as const, format: 'binary' } } }
            : undefined,
      },
    ]),
  );
}

/**
 * The OpenAPI 3.1 document of the /v1 layer, generated from the route table (the schemas that
 * validate requests and the documented response shapes), so it cannot drift from the code.
 */
export function buildOpenApiDocument(routes: readonly AnyRoute[], version = '1.0.0'): object {
  const registry = new OpenAPIRegistry();
  registry.register('Error', errorBodySchema);
  registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'A session token from POST /v1/auth/login, or an API key as keyId:secret.',
  });
  registry.registerComponent('securitySchemes', 'basic', {
    type: 'http',
    scheme: 'basic',
    description: 'An API key: keyId as the user name, secret as the password.',
  });
  for (const route of routes) {
    const holders = PERMISSIONS[route.permission].roles;
    const open = holders === 'anyone';
    const who = `Permission \`${route.permission}\` (${open ? 'no credential needed' : `roles: ${holders.join(', ')}`}).`;
    const request: RouteConfig['request'] = {};
    if (route.params) request.params = route.params;
    if (route.query) request.query = route.query;
    if (route.body) request.body = { required: true, content: { 'application/json': { schema: route.body } } };
    registry.registerPath({
      method: route.method,
      path: openApiPath(route.path),
      operationId: `${route.method}${openApiPath(route.path)
        .replace(/[{}]/g, '')
        .replace(/\/(\w)/g, (_m, c: string) => c.toUpperCase())}`,
      summary: route.summary,
      description: route.description ? `${route.description}\n\n${who}` : who,
      tags: [route.tag],
      security: open ? [] : [{ bearer: [] }, { basic: [] }],
      request,
      responses: {
        ...(route.raw ? {} : { 200: { description: "As the document's example shows.", content: { 'application/json': { schema: route.response } } } }),
        400: errorResponse('A parameter or body field is missing or malformed; `field` names it.'),
        ...(open ? {} : { 401: errorResponse('No credential, or one that is unknown, expired, logged out, revoked or banned; `message` says which.') }),
        403: errorResponse("The credential's role lacks the permission, or a browser sent a change from another site."),
        404: errorResponse('An id names nothing, or no such route.'),
        409: errorResponse('The change conflicts with existing records.'),
        ...(open ? { 429: errorResponse('Too many failed logins for the username or from the address; Retry-After says when to try again.') } : {}),
        500: errorResponse('An unexpected error; the body is masked and the gateway logs the details.'),
        503: errorResponse('A part the route needs (database, broker) is not available.'),
        ...(route.raw ? rawResponses(route.raw) : {}),
      },
    });
  }
  const generator = new OpenApiGeneratorV31(registry.definitions);
  return generator.generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'SDES REST compatibility layer (/v1)',
      version,
      description: [
        'The routes of the emqx-sdes REST document, answering as its examples show (field names, misspellings and all).',
        `Paging: pageNo starts at 1; pageSize defaults to ${DEFAULT_PAGE_SIZE}, at most ${MAX_PAGE_SIZE}; total counts every matching row.`,
        'Timestamps are epoch milliseconds. Errors answer `{code, message, field}`.',
        'Beside the documented routes, SDES adds the file store (`/v1/files...`, tag `files`): list, download with Range requests, delete, retention settings; and accounts, API keys and the audit log (`/v1/auth`, `/v1/users`, `/v1/apikeys`, `/v1/audit`).',
        'Every route needs a credential (401 without one, 403 when its role may not): a session token as `Authorization: Bearer <token>` (POST /v1/auth/login), or an API key as HTTP Basic `keyId:secret` or `Bearer keyId:secret`. See docs/security.md.',
        'See docs/rest-compat.md for every decision taken where the document is ambiguous.',
      ].join('\n\n'),
    },
    servers: [{ url: '/' }],
  });
}
