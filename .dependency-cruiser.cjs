/**
 * Import rules of src/ (`npm run check` runs them: `depcruise src`). The layers, from the top:
 * front doors (graphql, resolvers, rest-compat, http) and the scheduler → services (with the
 * execution state machine in services/execution) → live (transport: MQTT in and out, pub/sub)
 * → protocol (shared with the agent). Nothing imports upwards, and no file cycle exists.
 */
const FRONT = '^src/(graphql|resolvers|rest-compat|http)/';
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle of imports, types included: split the shared part out or invert the dependency.',
      from: { path: '^src/', pathNot: '^src/entities/' },
      to: { circular: true },
    },
    {
      // ORM entities of a two-way relation name each other (decorators need both classes): a
      // cycle within one folder that the ORM's decorators require.
      name: 'no-circular-entities',
      severity: 'ignore',
      from: { path: '^src/entities/' },
      to: { circular: true },
    },
    {
      name: 'live-only-carries-messages',
      severity: 'error',
      comment: 'src/live is transport: it is handed what it needs through ports (live/agent-inbox.ts), it imports no service or front door.',
      from: { path: '^src/live/' },
      to: { path: ['^src/(services|scheduler|graphql|resolvers|rest-compat|http)/', '^src/gateway\\.ts$'] },
    },
    {
      name: 'services-below-front-doors',
      severity: 'error',
      comment: 'Services answer both doors; they never import a door, the scheduler or the gateway.',
      from: { path: '^src/services/' },
      to: { path: [FRONT, '^src/scheduler/', '^src/gateway\\.ts$'] },
    },
    {
      name: 'protocol-stands-alone',
      severity: 'error',
      comment: 'The wire protocol is shared by gateway and agent: it imports nothing else of src.',
      from: { path: '^src/protocol/' },
      to: { path: '^src/', pathNot: '^src/protocol/' },
    },
    {
      name: 'agent-is-separate',
      severity: 'error',
      comment: 'The agent shares only the protocol and the runtime helpers with the gateway.',
      from: { path: '^src/agent/' },
      to: { path: ['^src/(services|live|scheduler|graphql|resolvers|rest-compat|http|entities|migrations)/', '^src/gateway\\.ts$'] },
    },
  ],
  options: {
    // The console is a browser bundle with its own tsconfig; it imports nothing of the server.
    exclude: { path: '^src/console/' },
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
