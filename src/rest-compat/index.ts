export { createRestRouter } from './router';
export { buildOpenApiDocument } from './openapi';
export { REST_ROUTES } from './routes';
