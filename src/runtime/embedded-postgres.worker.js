'use strict';
// The embedded PostgreSQL (PGlite) and its socket server, on a thread of their own: PGlite runs
// queries synchronously, so on the gateway's thread every statement would stall HTTP, MQTT and
// event ingestion meanwhile. Plain JavaScript, so that the same file runs from src/ (tests) and
// dist/. Started and stopped by database.ts: workerData { dir }, messages 'ready' | 'failed' out,
// 'stop' in.
const { parentPort, workerData } = require('node:worker_threads');

async function main() {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const db = await PGlite.create(workerData.dir);
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 32 });
  await server.start();
  parentPort.on('message', async (message) => {
    if (message !== 'stop') return;
    try {
      await server.stop();
      await db.close();
    } finally {
      parentPort.postMessage({ type: 'stopped' });
      process.exit(0);
    }
  });
  parentPort.postMessage({ type: 'ready', conn: server.getServerConn() });
}

main().catch((err) => {
  parentPort.postMessage({ type: 'failed', error: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
