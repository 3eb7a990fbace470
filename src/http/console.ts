import fs from 'node:fs';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';

/** Paths the console never answers: the APIs, their docs and IDE, health (each has its own 404). */
const NOT_CONSOLE = /^\/(graphql|v1|healthz)(\/|$)/;

/**
 * The built console (vite → dist/console): the gateway run from dist finds it beside itself, a
 * gateway run from the sources (tests, swc-node) in the repository's dist, one compiled elsewhere (the
 * benches) in dist under the working folder. The manifest marks a
 * finished build, so a half-written or absent folder is never served.
 */
export function findConsoleDir(
  candidates = [path.join(__dirname, '..', 'console'), path.join(__dirname, '..', '..', 'dist', 'console'), path.resolve('dist', 'console')],
): string | undefined {
  return candidates.find((dir) => fs.existsSync(path.join(dir, '.vite', 'manifest.json')));
}

/**
 * Serves the operator console at `/`: its hashed assets (cached for good), and index.html for
 * every other GET a browser navigates to, so /runs/12 opens on a reload. Without a build, `/`
 * says how to make one instead of a bare 404.
 */
export function consoleRouter(dir = findConsoleDir()): Router {
  const router = express.Router();
  if (!dir) {
    router.get('/', (_req, res) => {
      res.status(404).type('text/plain').send('The console is not built: run `npm run build` (GraphQL is at /graphql, REST at /v1).\n');
    });
    return router;
  }
  router.use('/assets', express.static(path.join(dir, 'assets'), { index: false, immutable: true, maxAge: '365d', fallthrough: false }));
  const index = path.join(dir, 'index.html');
  router.get(/.*/, (req: Request, res: Response, next: NextFunction) => {
    if (NOT_CONSOLE.test(req.path) || !req.accepts('html')) return next();
    // index.html names the current assets: never cached, so a new build is seen at once.
    res.setHeader('cache-control', 'no-cache');
    res.sendFile(index);
  });
  return router;
}
