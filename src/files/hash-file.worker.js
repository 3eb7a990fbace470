'use strict';
// SHA-256 of one file, on a thread of its own: a store completes files of gigabytes, and on the
// gateway's thread even hashing in slices allocates a buffer per slice and leaves the collector to
// pause HTTP, MQTT and the embedded broker. Plain JavaScript, so that the same file runs from src/
// (tests) and dist/. Started by hash-file.ts: workerData { file }, one message out:
// { sha256, bytes } or { error: { message, code } }.
const { createReadStream } = require('node:fs');
const { createHash } = require('node:crypto');
const { parentPort, workerData } = require('node:worker_threads');

async function main() {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(workerData.file, { highWaterMark: 1024 * 1024 })) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  parentPort.postMessage({ sha256: hash.digest('hex'), bytes });
}

main().catch((err) => parentPort.postMessage({ error: { message: err.message, code: err.code } }));
