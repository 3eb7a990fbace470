import fs from 'node:fs';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';

/**
 * The GraphQL IDE a browser gets at GET /graphql, served from local files only (the network
 * may be closed, so nothing is loaded from a CDN). When the GraphiQL 3 browser build and React
 * 18 are installed (graphiql, react, react-dom) it serves GraphiQL; otherwise a small built-in
 * page that runs queries and mutations over HTTP and subscriptions over graphql-ws.
 */

/** Files served under `<base>/ide/`: package and path inside it. */
const GRAPHIQL_ASSETS = {
  'graphiql.min.js': ['graphiql', 'graphiql.min.js'],
  'graphiql.min.css': ['graphiql', 'graphiql.min.css'],
  'react.production.min.js': ['react', 'umd/react.production.min.js'],
  'react-dom.production.min.js': ['react-dom', 'umd/react-dom.production.min.js'],
} as const;

/**
 * Where each asset is on disk, or null when a package is missing. Located from the package's
 * package.json: react and react-dom 18 do not list their UMD builds in `exports`, so
 * `require.resolve('react/umd/...')` fails even though the file is there.
 */
function resolveAssets(): Record<string, string> | null {
  const found: Record<string, string> = {};
  for (const [name, [pkg, file]] of Object.entries(GRAPHIQL_ASSETS)) {
    try {
      const full = path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file);
      if (!fs.existsSync(full)) return null;
      found[name] = full;
    } catch {
      return null;
    }
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

/** The fallback page: an editor, variables, a result pane and the schema's root fields. */
function builtinPage(base: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SDES GraphQL</title>
<style>
  body{margin:0;font:14px system-ui,sans-serif;display:grid;grid-template-columns:1fr 1fr 260px;grid-template-rows:auto 1fr 160px;height:100vh}
  header{grid-column:1/4;padding:6px 10px;background:#1b2b34;color:#fff;display:flex;gap:10px;align-items:center}
  textarea,pre{font:13px ui-monospace,monospace;margin:0;border:0;border-right:1px solid #ddd;padding:8px;resize:none;overflow:auto}
  #query{grid-row:2} #vars{grid-row:3;grid-column:1;border-top:1px solid #ddd} #result{grid-row:2/4;grid-column:2;background:#f7f7f7}
  #docs{grid-row:2/4;grid-column:3;overflow:auto;padding:8px;font-size:12px} #docs b{display:block;margin-top:8px}
  button{padding:4px 14px}
</style></head>
<body>
<header><strong>SDES GraphQL</strong><input id="token" type="password" placeholder="session token or keyId:secret" size="30"><button id="run">Run ▶ (Ctrl+Enter)</button><button id="stop" disabled>Stop subscription</button><span id="state"></span></header>
<textarea id="query" spellcheck="false">query Dashboard {\n  jobs(pageSize: 5) {\n    totalCount\n    nodes { id name enabled tasksCount groupsCount clientsCount }\n  }\n}</textarea>
<textarea id="vars" spellcheck="false" placeholder="variables (JSON)">{}</textarea>
<pre id="result"></pre>
<div id="docs">Loading the schema…</div>
<script>
const url = new URL(${JSON.stringify(base)}, location.href).href;
const $ = (id) => document.getElementById(id);
let socket = null;
$('token').value = sessionStorage.getItem('sdes-token') || '';
$('token').onchange = () => { sessionStorage.setItem('sdes-token', $('token').value); docs().catch(() => {}); };
function auth() { const t = $('token').value.trim(); return t ? { authorization: 'Bearer ' + t } : {}; }
function show(value) { $('result').textContent = JSON.stringify(value, null, 2); }
function stop() { if (socket) socket.close(); socket = null; $('stop').disabled = true; $('state').textContent = ''; }
async function run() {
  stop();
  let variables;
  try { variables = JSON.parse($('vars').value || '{}'); } catch (e) { return show({ error: 'variables are not JSON: ' + e.message }); }
  const query = $('query').value;
  if (/^\\s*subscription\\b/.test(query.replace(/#.*$/gm, ''))) return subscribe(query, variables);
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...auth() }, body: JSON.stringify({ query, variables }) });
  show(await res.json());
}
function subscribe(query, variables) {
  const events = [];
  socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws');
  $('stop').disabled = false; $('state').textContent = 'subscribed, waiting for events…';
  socket.onopen = () => socket.send(JSON.stringify({ type: 'connection_init', payload: auth() }));
  socket.onmessage = (m) => {
    const msg = JSON.parse(m.data);
    if (msg.type === 'connection_ack') socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables } }));
    else if (msg.type === 'next') { events.unshift(msg.payload); show(events.slice(0, 50)); }
    else if (msg.type === 'error') { show(msg.payload); stop(); }
    else if (msg.type === 'complete') stop();
  };
  socket.onclose = (e) => { $('state').textContent = 'closed' + (e.code >= 4000 ? ' (' + e.code + ' ' + e.reason + ')' : ''); $('stop').disabled = true; };
}
async function docs() {
  const q = '{ __schema { queryType { name } mutationType { name } subscriptionType { name } types { name kind description fields { name description args { name } } } } }';
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...auth() }, body: JSON.stringify({ query: q }) });
  const { data, errors } = await res.json();
  if (!data) { $('docs').textContent = 'Enter a token above to read the schema (' + (errors && errors[0] ? errors[0].message : res.status) + ')'; return; }
  const roots = [data.__schema.queryType, data.__schema.mutationType, data.__schema.subscriptionType].filter(Boolean).map((t) => t.name);
  const el = $('docs'); el.textContent = '';
  for (const name of roots) {
    const type = data.__schema.types.find((t) => t.name === name);
    const b = document.createElement('b'); b.textContent = name; el.appendChild(b);
    for (const f of type.fields) {
      const d = document.createElement('div');
      d.textContent = f.name + (f.args.length ? '(' + f.args.map((a) => a.name).join(', ') + ')' : '');
      d.title = f.description || ''; el.appendChild(d);
    }
  }
}
$('run').onclick = run; $('stop').onclick = stop;
document.addEventListener('keydown', (e) => { if (e.ctrlKey && e.key === 'Enter') run(); });
docs().catch((e) => { $('docs').textContent = 'schema: ' + e.message; });
</script></body></html>`;
}

/**
 * Routes for the IDE, to mount before the GraphQL middleware at the same path: the page for
 * browsers at GET `base`, and GraphiQL's files under `base/ide/`.
 */
export function ideRouter(base: string): Router {
  const router = express.Router();
  const assets = resolveAssets();
  const page = assets ? graphiqlPage(base) : builtinPage(base);
  router.get('/', (req: Request, res: Response, next: NextFunction) => {
    if (!wantsIde(req)) return next();
    res.set(SECURITY_HEADERS).type('html').send(page);
  });
  if (assets) {
    router.get('/ide/:file', (req: Request, res: Response) => {
      const file = assets[String(req.params.file)];
      if (!file) return res.status(404).type('text').send(`${req.params.file}: not a file of the IDE`);
      res.set('Cache-Control', 'public, max-age=86400').type(path.extname(file)).send(fs.readFileSync(file));
    });
  }
  return router;
}

/** Which IDE this installation serves (for the docs and the start-up log). */
export function ideKind(): 'graphiql' | 'builtin' {
  return resolveAssets() ? 'graphiql' : 'builtin';
}
