import path from 'node:path';
import express, { type Router } from 'express';

// swagger-ui-dist ships no types; its folder is all we need (served as static assets).
const assetsDir = path.dirname(require.resolve('swagger-ui-dist/package.json'));

/*
 * Relative URLs throughout: the page at /v1/docs resolves `docs/assets/...` and `openapi.json`
 * against /v1/, so it keeps working behind a reverse proxy that mounts the gateway under a prefix.
 * Nothing is loaded from a CDN: the network may be closed.
 */
const page = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>SDES /v1 REST API</title>
    <link rel="stylesheet" type="text/css" href="docs/assets/swagger-ui.css" />
    <link rel="icon" type="image/png" href="docs/assets/favicon-32x32.png" sizes="32x32" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="docs/assets/swagger-ui-bundle.js" charset="UTF-8"></script>
    <script src="docs/assets/swagger-ui-standalone-preset.js" charset="UTF-8"></script>
    <script src="docs/init.js" charset="UTF-8"></script>
  </body>
</html>
`;

const init = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: 'openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: 'StandaloneLayout',
  });
};
`;

/** GET /docs: a readable page for /v1/openapi.json, from the local swagger-ui-dist assets. */
export function createDocsRouter(): Router {
  const router = express.Router({ strict: true });
  router.get('/docs', (_req, res) => {
    res.type('html').send(page);
  });
  // `/v1/docs/` would resolve the relative URLs one level too deep: send it to `/v1/docs`.
  router.get('/docs/', (_req, res) => res.redirect(301, '../docs'));
  router.get('/docs/init.js', (_req, res) => {
    res.type('application/javascript').send(init);
  });
  router.use('/docs/assets', express.static(assetsDir, { index: false, fallthrough: true, maxAge: '1h' }));
  return router;
}
