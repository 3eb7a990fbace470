import http from 'node:http';
import type { Express } from 'express';

/**
 * Per-connection limits of the gateway's HTTP server (docs/rest-compat.md, "Limits"). Node's
 * defaults let a client that sends headers or a body slowly (or a body shorter than its
 * Content-Length) hold a socket for 300 s; here the whole request must arrive within
 * `requestTimeoutMs`, checked every second.
 */
export interface HttpLimits {
  /** Largest request head (request line and headers), bytes. Default 16 KiB (Node's). */
  maxHeaderBytes: number;
  /** Time to receive the request head. Default 10 s. */
  headersTimeoutMs: number;
  /** Time to receive the whole request, head and body. Default 15 s. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. Default 5 s. */
  keepAliveTimeoutMs: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = { maxHeaderBytes: 16 * 1024, headersTimeoutMs: 10_000, requestTimeoutMs: 15_000, keepAliveTimeoutMs: 5_000 };

/** Largest JSON body of a request (REST and GraphQL over HTTP); larger ones are refused with 413. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** The gateway's HTTP server for `app`, with these limits. */
export function createHttpServer(app: Express, limits: Partial<HttpLimits> = {}): http.Server {
  const { maxHeaderBytes, headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs } = { ...DEFAULT_HTTP_LIMITS, ...limits };
  const server = http.createServer(
    {
      maxHeaderSize: maxHeaderBytes,
      headersTimeout: Math.min(headersTimeoutMs, requestTimeoutMs),
      requestTimeout: requestTimeoutMs,
      keepAliveTimeout: keepAliveTimeoutMs,
      // How often Node looks for requests past their timeouts (default 30 s, which would let a
      // 15 s timeout last 45 s).
      connectionsCheckingInterval: Math.min(1_000, requestTimeoutMs),
    },
    app,
  );
  return server;
}
