import fs from 'node:fs';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';

/**
 * The GraphQL IDE a browser gets at GET /graphql, served from local files only (the network
 * may be closed, so nothing is loaded from a CDN): GraphiQL 3's browser build with React 18's UMD
 * builds, all three dependencies of the package.
 */

/** Files served under `<base>/ide/`: package and path inside it. */
const GRAPHIQL_ASSETS = {
  'graphiql.min.js': ['graphiql', 'graphiql.min.js'],
  'graphiql.min.css': ['graphiql', 'graphiql.min.css'],
  'react.production.min.js': ['react', 'umd/react.production.min.js'],
  'react-dom.production.min.js': ['react-dom', 'umd/react-dom.production.min.js'],
} as const;

/**
 * Where each asset is on disk. Located from the package's package.json: react and react-dom 18
 * do not list their UMD builds in `exports`, so `require.resolve('react/umd/...')` fails even
 * though the file is there. A missing file is a broken install, said at start-up.
 */
function resolveAssets(): Record<string, string> {
  const found: Record<string, string> = {};
  for (const [name, [pkg, file]] of Object.entries(GRAPHIQL_ASSETS)) {
    const full = path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file);
    if (!fs.existsSync(full)) throw new Error(`the GraphQL IDE's ${name} is missing (${full}): reinstall the package's dependencies`);
    found[name] = full;
  }
  return found;
}

/** A browser asking for the page: it prefers HTML and sends no operation. */
function wantsIde(req: Request): boolean {
  return (
    req.method === 'GET' && req.query.query === undefined && req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) === 'text/html'
  );
}

const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; connect-src 'self' ws: wss:",
  'X-Content-Type-Options': 'nosniff',
};

function graphiqlPage(base: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SDES GraphQL</title>
<link rel="stylesheet" href="${base}/ide/graphiql.min.css">
<style>body{margin:0;height:100vh}#ide{height:100vh}</style></head>
<body><div id="ide">Loading the IDE…</div>
<script src="${base}/ide/react.production.min.js"></script>
<script src="${base}/ide/react-dom.production.min.js"></script>
<script src="${base}/ide/graphiql.min.js"></script>
<script>
  const url = new URL(${JSON.stringify(base)}, location.href);
  const ws = url.href.replace(/^http/, 'ws');
  // The Authorization header of the headers pane goes over HTTP and, for subscriptions, in connection_init.
  const fetcher = (params, opts) => {
    const h = (opts && opts.headers) || {};
    const authorization = h.Authorization || h.authorization || '';
    return GraphiQL.createFetcher({ url: url.href, subscriptionUrl: ws, wsConnectionParams: { authorization } })(params, opts);
  };
  const defaultHeaders = '{\n  "Authorization": "Bearer <token: POST /v1/auth/login, or the login mutation>"\n}';
  ReactDOM.createRoot(document.getElementById('ide')).render(
    React.createElement(GraphiQL, { fetcher, defaultHeaders, shouldPersistHeaders: true, defaultEditorToolsVisibility: 'headers' }),
  );
</script></body></html>`;
}

/**
 * Routes for the IDE, to mount before the GraphQL middleware at the same path: the page for
 * browsers at GET `base`, and GraphiQL's files under `base/ide/`.
 */
export function ideRouter(base: string): Router {
  const router = express.Router();
  const assets = resolveAssets();
  const page = graphiqlPage(base);
  router.get('/', (req: Request, res: Response, next: NextFunction) => {
    if (!wantsIde(req)) return next();
    res.set(SECURITY_HEADERS).type('html').send(page);
  });
  router.get('/ide/:file', (req: Request, res: Response) => {
    const file = assets[String(req.params.file)];
    if (!file) return res.status(404).type('text').send(`${req.params.file}: not a file of the IDE`);
    res.sendFile(file, { maxAge: 86_400_000 });
  });
  return router;
}
