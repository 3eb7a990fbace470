import type http from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { execute, GraphQLError, getOperationAST, specifiedRules, subscribe, type ExecutionArgs, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { anonymous } from '../auth/actor';
import { createLoginLimiter } from '../auth/login-limiter';
import { createAdmission, type Release } from '../http/admission';
import { actorOfRequest } from '../auth/request';
import type { FrontDoorDeps } from '../http/deps';
import { admitHttpOperation, admitWsOperation, graphqlAdmissionGate } from './admission';
import { createGraphqlContext, type GraphqlContext } from './context';
import { createDocumentCache } from './document-cache';
import { formatClientError, GRAPHQL_CODES, MASKED_MESSAGE } from './errors';
import { apolloHandler, plainJsonBody } from './http-binding';
import { ideRouter } from './ide';
import { answerSizeError, checkCost, DEFAULT_LIMITS, depthLimitRule, storableTextRule, type QueryLimits } from './limits';
import { checkGraphqlRequest } from './request-guard';
import { MAX_BODY_BYTES } from '../http/server-limits';
import { precheckOperation } from './requires';
import { buildGraphqlSchema } from './schema';
import { createSharedSubscriptions, sharedSubscriptionKey, type SharedSubscriber } from './shared-subscriptions';
import { createWsAuth, type WsContext } from './ws-auth';

/**
 * What a subscriber's socket may hold unsent before its live events are dropped: 1 MiB, several
 * thousand status events; a dashboard that stops reading loses events, the gateway no memory.
 */
const MAX_UNSENT_BYTES = 1024 * 1024;

export interface MountGraphqlOptions {
  app: Express;
  httpServer: http.Server;
  deps: FrontDoorDeps;
  /** Where GraphQL answers over HTTP and WebSocket (default /graphql). */
  path?: string;
  limits?: Partial<QueryLimits>;
  /** How often open WebSockets are checked for ended, expired or revoked credentials (default 5 s). */
  authSweepMs?: number;
}

export interface GraphqlMount {
  schema: GraphQLSchema;
  /** Subscriptions being served: distinct operations (each executed once per event) and the subscribers sharing them. */
  liveSubscriptions(): { groups: number; subscribers: number };
  /** Closes the WebSocket connections and stops Apollo; call before closing the HTTP server. */
  stop(): Promise<void>;
}

/**
 * Once the operation is known: subscriptions are refused over HTTP (they need the WebSocket), its
 * cost is checked (it needs the variables), then its root fields are authorised (401/403 before
 * anything runs), then a costly one waits for an admission slot (src/graphql/admission.ts).
 * (The answer's size is checked where it is serialised: `stringifyResult`.)
 */
function operationPlugin(schema: GraphQLSchema, { maxCost }: QueryLimits): ApolloServerPlugin<GraphqlContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request, operationName, operation, contextValue }) {
          if (operation?.operation === 'subscription') {
            throw new GraphQLError('Subscriptions are served over WebSocket (protocol graphql-transport-ws) on this same path, not over HTTP.', {
              extensions: { code: GRAPHQL_CODES.BAD_REQUEST, http: { status: 400 } },
            });
          }
          const { cost, error } = checkCost(schema, document, request.variables, operationName, maxCost);
          if (error) throw new GraphQLError(error.message, { extensions: { ...error.extensions, http: { status: 400 } } });
          if (contextValue.authenticate) contextValue.services.ctx.actor = await contextValue.authenticate();
          const refused = await precheckOperation(schema, contextValue.services.ctx, document, operationName);
          if (refused) throw refused;
          await contextValue.admit?.(cost);
        },
      };
    },
  };
}

/**
 * Mounts GraphQL on an express app and its HTTP server (call before `listen`): Apollo Server over
 * HTTP at `path`, graphql-ws on the same path and port, and the IDE for browsers. Both transports
 * use the same context (an EntityManager fork per operation), limits and error mapping.
 */
export async function mountGraphql({ app, httpServer, deps: given, path = '/graphql', limits, authSweepMs }: MountGraphqlOptions): Promise<GraphqlMount> {
  const all: QueryLimits = { ...DEFAULT_LIMITS, ...limits };
  const { maxDepth, maxCost, maxTokens, maxAnswerBytes, maxMessageBytes, maxOperationsPerSocket } = all;
  const deps: FrontDoorDeps = {
    ...given,
    auth: { ...given.auth, loginLimiter: given.auth?.loginLimiter ?? createLoginLimiter() },
    admission: given.admission ?? createAdmission(),
  };
  const admission = deps.admission!;
  const { logger } = deps;
  const schema = await buildGraphqlSchema({ pubsub: deps.pubsub });
  const depthRule = depthLimitRule(maxDepth);

  const apollo = new ApolloServer<GraphqlContext>({
    schema,
    validationRules: [depthRule, storableTextRule],
    parseOptions: { maxTokens },
    includeStacktraceInErrorResponses: false,
    // The IDE needs it; it is a `read` like any query (requires.ts). Apollo's default would
    // depend on NODE_ENV (off in production, which `sdes` runs as: src/runtime/node-env.ts).
    introspection: true,
    // `sdes serve` owns SIGINT/SIGTERM and stops everything in order; Apollo must not re-raise them.
    stopOnTerminationSignals: false,
    formatError: (formatted, error) =>
      error instanceof GraphQLError
        ? formatClientError(error, logger)
        : (logger.error({ err: error }, 'unexpected GraphQL error'), { message: MASKED_MESSAGE, extensions: { code: GRAPHQL_CODES.INTERNAL_SERVER_ERROR } }),
    // Cache control is on by default and wraps every field resolver (willResolveField) to compute
    // an HTTP cache policy nobody reads here: off, it saves a hook call per resolved field.
    plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginCacheControlDisabled(), operationPlugin(schema, all)],
    // The answer is serialised once, compact (Apollo's default indents it), and its size checked
    // on that very text: an answer over the cap is replaced by an error naming the limit.
    stringifyResult: (result) => {
      const text = JSON.stringify(result);
      const tooLarge = result.data ? answerSizeError(Buffer.byteLength(text), maxAnswerBytes) : null;
      return tooLarge ? JSON.stringify({ errors: [tooLarge.toJSON()] }) : text;
    },
  });
  await apollo.start();

  app.use(path, ideRouter(path));
  // Size, tokens, nesting and variables before graphql-js parses anything (its parser recurses).
  const guard = (req: Request, res: Response, next: NextFunction) => {
    const params = (req.method === 'GET' ? req.query : req.body) as { query?: unknown; variables?: unknown } | undefined;
    let variables = params?.variables;
    if (typeof variables === 'string' && req.method === 'GET') {
      try {
        variables = JSON.parse(variables);
      } catch {
        variables = undefined; // Apollo answers the malformed JSON itself
      }
    }
    const error = checkGraphqlRequest(params?.query, variables, all);
    if (!error) return next();
    res.status(error.extensions.code === GRAPHQL_CODES.QUERY_TOO_LARGE ? 413 : 400).json({ errors: [error.toJSON()] });
  };
  app.use(
    path,
    // Refused callers are turned away before their body is read (admission.ts).
    graphqlAdmissionGate(admission),
    // The plain JSON body every client sends is read by plainJsonBody; express.json takes the rest.
    plainJsonBody({ limit: MAX_BODY_BYTES }),
    express.json({ limit: MAX_BODY_BYTES }),
    guard,
    apolloHandler(apollo, async ({ req, res }) => {
      const em = deps.orm.em.fork();
      const context = createGraphqlContext(deps, anonymous({ door: 'graphql' }), em);
      context.authenticate = () => actorOfRequest({ em, clock: deps.clock, auth: deps.auth }, req, 'graphql');
      const bytes = Number(req.headers['content-length']) || req.url.length;
      context.admit = (cost) => admitHttpOperation(admission, res, context.services.ctx.actor, cost, bytes);
      return context;
    }),
  );
  // Malformed JSON and other body errors: a GraphQL-shaped JSON answer, never express's HTML page.
  app.use(path, (err: Error & { status?: number; type?: string }, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) logger.error({ err }, 'GraphQL HTTP request failed');
    res.status(status).json({
      errors: [
        {
          message: status === 500 ? MASKED_MESSAGE : `Bad request: ${err.message}`,
          extensions: { code: status === 500 ? GRAPHQL_CODES.INTERNAL_SERVER_ERROR : 'BAD_REQUEST' },
        },
      ],
    });
  });

  // A larger message closes the socket (1009) before it is buffered or parsed.
  const wsServer = new WebSocketServer({ server: httpServer, path, maxPayload: maxMessageBytes });
  const documents = createDocumentCache({ schema, rules: [...specifiedRules, depthRule, storableTextRule], maxTokens });
  const wsAuth = createWsAuth(deps, { sweepMs: authSweepMs });
  const subscribers = new WeakMap<ExecutionArgs, SharedSubscriber>();
  // Admission slots of the queries and mutations running over sockets, given back once each has run.
  const slots = new WeakMap<ExecutionArgs, Release>();
  const shared = createSharedSubscriptions({
    maxPendingBytes: MAX_UNSENT_BYTES,
    // Once per event of a group: errors masked, then the answer-size cap measured on the very text sent.
    serialize: (result) => {
      const text = JSON.stringify(result.errors ? { ...result, errors: result.errors.map((e) => formatClientError(e, logger)) } : result);
      const tooLarge = result.data ? answerSizeError(Buffer.byteLength(text), maxAnswerBytes) : null;
      return tooLarge ? JSON.stringify({ errors: [formatClientError(tooLarge, logger)] }) : text;
    },
  });
  const ws = useServer<Record<string, unknown> | undefined, WsContext['extra']>(
    {
      schema,
      onConnect: (ctx) => wsAuth.connect(ctx),
      // graphql-ws bypasses Apollo: authorise, parse, validate and limit here, with a fresh context per operation.
      onSubscribe: async (ctx, id, payload) => {
        // Operations under way on this socket (this one is not among them yet).
        if (Object.keys(ctx.subscriptions).length >= maxOperationsPerSocket) {
          return [
            new GraphQLError(`Too many operations on this WebSocket: at most ${maxOperationsPerSocket} at once. Complete some, or open another connection.`, {
              extensions: { code: GRAPHQL_CODES.TOO_MANY_SUBSCRIPTIONS, maxOperationsPerSocket },
            }),
          ];
        }
        const refused = checkGraphqlRequest(payload.query, payload.variables, all);
        if (refused) return [refused];
        const document = documents.check(payload.query);
        if (!('kind' in document)) return [...document];
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) {
          return [
            new GraphQLError(`Unknown operation${payload.operationName ? ` "${payload.operationName}"` : ''}: name one of the operations of the document`, {
              extensions: { code: GRAPHQL_CODES.GRAPHQL_VALIDATION_FAILED },
            }),
          ];
        }
        const { cost, error: tooCostly } = checkCost(schema, document, payload.variables ?? undefined, payload.operationName, maxCost);
        if (tooCostly) return [tooCostly];
        // Checked again on every operation (in the background): a logged-out or expired session closes the socket.
        const actor = wsAuth.actorFor(ctx) ?? anonymous({ door: 'graphql-ws' }, 'the socket is closing');
        const contextValue = createGraphqlContext(deps, actor);
        const forbidden = await precheckOperation(schema, contextValue.services.ctx, document, payload.operationName);
        if (forbidden) return [forbidden];
        const args: ExecutionArgs = { schema, document, variableValues: payload.variables, operationName: payload.operationName, contextValue };
        if (operation.operation === 'subscription') {
          subscribers.set(args, { socket: ctx.extra.socket, id, key: sharedSubscriptionKey(actor, payload) });
          return args;
        }
        const admitted = await admitWsOperation(admission, actor, cost, payload);
        if (admitted instanceof GraphQLError) return [admitted];
        // Completed by the client while it waited: graphql-ws sends nothing more for it, so it need not run.
        if (!(id in ctx.subscriptions)) {
          admitted();
          return [new GraphQLError('The operation was completed by the client while it waited for an admission slot.')];
        }
        slots.set(args, admitted);
        return args;
      },
      // Subscriptions run once per distinct operation and scope (shared-subscriptions.ts), which
      // also sends their events; queries and mutations over the socket take graphql-ws's own path.
      subscribe: (args) => {
        const subscriber = subscribers.get(args);
        return subscriber ? shared.subscribe(args, subscriber) : subscribe(args);
      },
      execute: async (args) => {
        try {
          return await execute(args);
        } finally {
          slots.get(args)?.();
        }
      },
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => formatClientError(e, logger)),
      // Queries and mutations over the socket (subscriptions are serialised by `shared`).
      onNext: (_ctx, _id, _payload, _args, result) => {
        const tooLarge = result.data ? answerSizeError(Buffer.byteLength(JSON.stringify(result)), maxAnswerBytes) : null;
        if (tooLarge) return { errors: [formatClientError(tooLarge, logger)] };
        return result.errors ? { ...result, errors: result.errors.map((e) => formatClientError(e, logger)) } : undefined;
      },
    },
    wsServer,
  );

  return {
    schema,
    liveSubscriptions: () => shared.stats(),
    async stop() {
      wsAuth.stop();
      await Promise.resolve(ws.dispose()).catch((err: unknown) => logger.warn({ err }, 'closing GraphQL WebSockets'));
      for (const socket of wsServer.clients) socket.terminate();
      await apollo.stop();
    },
  };
}
