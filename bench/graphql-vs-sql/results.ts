import fs from 'node:fs';
import path from 'node:path';

export interface Stats {
  n: number;
  median: number;
  p95: number;
  mean: number;
  min: number;
  max: number;
}

export interface BenchEntry {
  database: 'embedded' | 'external';
  databaseVersion: string;
  at: string;
  node: string;
  cpus: number;
  cpuModel: string;
  /** os.loadavg() (1, 5, 15 min) when the bench started and when it finished timing. */
  loadAverageBefore: number[];
  loadAverageAfter: number[];
  data: Record<string, number>;
  query: string;
  sql: string[];
  iterations: number;
  warmup: number;
  graphqlOverHttp: Stats;
  handWrittenSql: Stats;
  graphqlInProcess: Stats;
  /** `{ __typename }` over the same HTTP path: the fixed cost of the door, no database. */
  graphqlTrivialOverHttp: Stats;
  /** The same GraphQL request sent with Node's fetch instead of node:http (older entries lack it). */
  graphqlOverHttpWithFetch?: Stats;
  /**
   * CPU time of the bench's process per request (user + system, ms): HTTP client and gateway, or
   * PostGraphile, or the `pg` client; PostgreSQL's own is not counted (older entries lack it).
   */
  cpuPerRequest?: { graphqlOverHttp: Stats; handWrittenSql: Stats; graphqlTrivialOverHttp: Stats; postgraphile?: Stats };
  ratioMedian: number;
  ratioP95: number;
  sqlStatementsPerGraphqlRequest: number;
  graphqlStatements: string[];
  samplePage: unknown;
  /** PostGraphile 4 answering the same page on the same database (PostgreSQL runs only; older entries lack it). */
  postgraphile?: {
    version: string;
    query: string;
    overHttp: Stats;
    /** SDES GraphQL / PostGraphile (target ≤ 0.8). */
    ratioMedian: number;
    ratioP95: number;
    /** PostGraphile / hand-written SQL. */
    ratioToSqlMedian: number;
  };
}

const round = (x: number) => Number(x.toFixed(3));

/** Median, 95th percentile (nearest rank), mean, min and max of timings in ms. */
export function summarize(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  return {
    n: sorted.length,
    median: round(median),
    p95: round(at(0.95)),
    mean: round(sorted.reduce((s, x) => s + x, 0) / sorted.length),
    min: round(sorted[0]),
    max: round(sorted[sorted.length - 1]),
  };
}

function markdown(entries: BenchEntry[]): string {
  const lines = [
    '# GraphQL vs hand-written SQL',
    '',
    'A page of 20 jobs with their task, group and client counts and the names of their first 5 tasks:',
    'the GraphQL query over HTTP (`POST /graphql` to the gateway in the same process) against the same',
    'page read with hand-written SQL over `pg` (one statement for the page, one for the total). Written',
    'by `bench/graphql-vs-sql/run.sh`; the latest run per database kind. On PostgreSQL the same page is also',
    'asked of PostGraphile 4 (its equivalent query below, `dynamicJson`, `disableDefaultMutations`, same process,',
    'same database), interleaved in the same run. Targets (issue 12): SDES / SQL median ≤ 2.0, SDES / PostGraphile median ≤ 0.8.',
    '',
    '| database | GraphQL median | GraphQL p95 | SQL median | SQL p95 | ratio (median) | ratio (p95) | PostGraphile median | PostGraphile p95 | SDES / PostGraphile (median) | SDES / PostGraphile (p95) | GraphQL in-process median | `{ __typename }` over HTTP median | floor ratio | GraphQL median with `fetch` | statements / request | load avg (1 min) before → after | when |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const e of entries) {
    lines.push(
      `| ${e.database === 'embedded' ? 'embedded PGlite' : e.databaseVersion} | ${e.graphqlOverHttp.median.toFixed(2)} ms | ${e.graphqlOverHttp.p95.toFixed(2)} ms | ${e.handWrittenSql.median.toFixed(2)} ms | ${e.handWrittenSql.p95.toFixed(2)} ms | **${e.ratioMedian}** | ${e.ratioP95} | ${e.postgraphile ? `${e.postgraphile.overHttp.median.toFixed(2)} ms | ${e.postgraphile.overHttp.p95.toFixed(2)} ms | **${e.postgraphile.ratioMedian}** | ${e.postgraphile.ratioP95}` : '– | – | – | –'} | ${e.graphqlInProcess.median.toFixed(2)} ms | ${e.graphqlTrivialOverHttp?.median.toFixed(2) ?? '–'} ms | ${e.graphqlTrivialOverHttp ? ((e.graphqlTrivialOverHttp.median + e.handWrittenSql.median) / e.handWrittenSql.median).toFixed(2) : '–'} | ${e.graphqlOverHttpWithFetch ? `${e.graphqlOverHttpWithFetch.median.toFixed(2)} ms` : '–'} | ${e.sqlStatementsPerGraphqlRequest} | ${e.loadAverageBefore[0]} → ${e.loadAverageAfter[0]} (${e.cpus} CPUs) | ${e.at} |`,
    );
  }
  const e = entries[0];
  if (e) {
    lines.push(
      '',
      `Data: ${Object.entries(e.data)
        .map(([k, v]) => `${v} ${k}`)
        .join(
          ', ',
        )}. ${e.iterations} measured requests per side after ${e.warmup} of warm-up, interleaved, pages cycling through the whole list. Node ${e.node}, ${e.cpuModel}.`,
      '',
      '"floor ratio" is (`{ __typename }` over HTTP + SQL) / SQL: what the ratio would be if GraphQL added nothing to the hand-written SQL but its door. On a shared 2-core machine both the door and the ORM are CPU work that other processes slow down, while the SQL side mostly waits on PostgreSQL; rerun when the load average is low.',
      '',
      '"GraphQL in-process" runs the same operation with `graphql.execute` on the schema in the same process (resolvers, dataloaders, services, MikroORM; no HTTP, no Apollo): the difference to "GraphQL median" is the HTTP and Apollo part. "`{ __typename }` over HTTP" is an operation that reads nothing, sent the same way: the fixed cost of the door (HTTP client, express, Apollo, graphql-js) that any GraphQL answer pays on top of its SQL.',
      '',
      ...entries
        .filter((x) => x.cpuPerRequest)
        .flatMap((x) => {
          const c = x.cpuPerRequest!;
          return [
            `CPU of the bench's process per request on ${x.database === 'embedded' ? 'embedded PGlite' : x.databaseVersion} (median; the HTTP client and the server in the process, PostgreSQL's own not counted, so a busy machine changes it less than wall times): GraphQL ${c.graphqlOverHttp.median.toFixed(2)} ms, hand-written SQL ${c.handWrittenSql.median.toFixed(2)} ms${c.postgraphile ? `, PostGraphile ${c.postgraphile.median.toFixed(2)} ms` : ''}, \`{ __typename }\` ${c.graphqlTrivialOverHttp.median.toFixed(2)} ms.`,
            '',
          ];
        }),
      'The GraphQL side sends its requests with `node:http` and a keep-alive agent (one connection, reused, as the SQL side reuses its `pg` connection). "GraphQL median with `fetch`" is the same request sent with Node\'s `fetch` (undici), whose client-side cost is about half a millisecond more.',
      '',
      '```graphql',
      e.query,
      '```',
      '',
      ...entries
        .flatMap((x) =>
          x.postgraphile ? ['', `PostGraphile ${x.postgraphile.version}'s query for the same page:`, '', '```graphql', x.postgraphile.query, '```'] : [],
        )
        .slice(0, 7),
      '',
      '```sql',
      ...e.sql.map((s) => `${s};`),
      '```',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Keeps one entry per database kind in `<dir>/graphql-vs-sql.json` and renders `.md`; returns the paths. */
export function writeResults(dir: string, entry: BenchEntry): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const jsonPath = path.join(dir, 'graphql-vs-sql.json');
  let entries: BenchEntry[] = [];
  try {
    entries = (JSON.parse(fs.readFileSync(jsonPath, 'utf8')) as { entries: BenchEntry[] }).entries ?? [];
  } catch {
    entries = [];
  }
  entries = [...entries.filter((x) => x.database !== entry.database), entry].sort((a, b) => a.database.localeCompare(b.database));
  fs.writeFileSync(
    jsonPath,
    `${JSON.stringify({ benchmark: 'graphql-vs-sql', target: { ratioMedian: 2.0, ratioToPostgraphileMedian: 0.8 }, entries }, null, 2)}\n`,
  );
  const mdPath = path.join(dir, 'graphql-vs-sql.md');
  fs.writeFileSync(mdPath, markdown(entries));
  return [jsonPath, mdPath];
}
