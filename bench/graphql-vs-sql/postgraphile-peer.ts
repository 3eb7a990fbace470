/**
 * PostGraphile 4 as the peer of the SDES GraphQL door (issue 12): the same page asked of the
 * GraphQL server people pick for "GraphQL over PostgreSQL", on the same seeded database.
 *
 * PostGraphile 4 needs graphql 15 while the project uses graphql 16; in one node_modules its
 * graphql-parse-resolve-info resolves the project's graphql 16 and every query fails with "Cannot
 * use GraphQLScalarType from another module or realm". So it has an install of its own in
 * `postgraphile-peer/` (run.sh runs `npm ci` there) and is loaded from that folder.
 */
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { AddressInfo } from 'node:net';

/** The part of PostGraphile's middleware the bench uses. */
interface PostGraphileMiddleware {
  (req: http.IncomingMessage, res: http.ServerResponse): void;
  release(): Promise<void>;
}
type PostGraphileFactory = (databaseUrl: string, schema: string, options: Record<string, unknown>) => PostGraphileMiddleware;

/** The dashboard page for PostGraphile: its connections' `totalCount` are the three counts. */
export const POSTGRAPHILE_PAGE_QUERY = `query JobsPage($first: Int!, $offset: Int!) {
  allJobs(first: $first, offset: $offset, orderBy: ID_ASC) {
    totalCount
    nodes {
      id
      name
      jobTasksByJobId { totalCount }
      jobGroupsByJobId { totalCount }
      jobClientsByJobId { totalCount }
      firstTasks: jobTasksByJobId(first: 5, orderBy: [POSITION_ASC, ID_ASC]) { nodes { taskByTaskId { name } } }
    }
  }
}`;

export interface PostGraphilePage {
  totalCount: number;
  nodes: {
    id: number;
    name: string;
    jobTasksByJobId: { totalCount: number };
    jobGroupsByJobId: { totalCount: number };
    jobClientsByJobId: { totalCount: number };
    firstTasks: { nodes: { taskByTaskId: { name: string } }[] };
  }[];
}

export interface PostGraphilePeer {
  url: string;
  version: string;
  stop(): Promise<void>;
}

/**
 * Serves PostGraphile's middleware on a plain HTTP server on 127.0.0.1 (a free port) over
 * `databaseUrl`'s `public` schema, read-only (`disableDefaultMutations`), without its query log.
 */
export async function startPostGraphile(
  databaseUrl: string,
  peerDir = path.resolve(process.env.BENCH_POSTGRAPHILE_DIR || 'bench/graphql-vs-sql/postgraphile-peer'),
): Promise<PostGraphilePeer> {
  const load = createRequire(path.join(peerDir, 'package.json'));
  const { postgraphile } = load('postgraphile') as { postgraphile: PostGraphileFactory };
  const version = (load('postgraphile/package.json') as { version: string }).version;
  const middleware = postgraphile(databaseUrl, 'public', {
    dynamicJson: true,
    disableDefaultMutations: true,
    disableQueryLog: true,
    retryOnInitFail: false,
    graphqlRoute: '/graphql',
  });
  const server = http.createServer(middleware);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    version,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await middleware.release();
    },
  };
}
