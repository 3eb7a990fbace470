/**
 * `sdes` runs as production unless NODE_ENV says otherwise (`npm start` sets nothing). Libraries
 * read NODE_ENV once, when they are loaded, so this module is imported first (src/cli.ts):
 * - graphql-js checks a type with a plain `instanceof`; in development every failed check also
 *   looks for a copy of the class from another realm (about 1 % of the CPU of a dashboard page,
 *   bench/graphql-vs-sql);
 * - graphql-ws closes a socket after an internal error with "Internal server error", not the
 *   error's own message; express's last-resort error answer has no stack trace.
 * Apollo Server's defaults that depend on it (introspection, stack traces in errors, the landing
 * page, signal handlers) are all set explicitly in src/graphql/server.ts, so they do not change.
 */
process.env.NODE_ENV ??= 'production';

export {};
