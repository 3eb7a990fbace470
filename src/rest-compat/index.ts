export { createRestRouter } from './router';
export { buildOpenApiDocument } from './openapi';
export { ADDED_ROUTES, REST_ROUTES, SERVED_ROUTES } from './routes';
