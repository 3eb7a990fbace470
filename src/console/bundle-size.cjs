// Prints the console's production bundle size, raw and gzip, after `vite build` (a figure docs/console.md quotes).
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');

const dir = path.resolve(__dirname, '../../dist/console');
let raw = 0;
let gzip = 0;
const walk = (d) => {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const full = path.join(d, e.name);
    if (e.isDirectory()) {
      if (e.name !== '.vite') walk(full);
    } else {
      const data = fs.readFileSync(full);
      raw += data.length;
      gzip += zlib.gzipSync(data, { level: 9 }).length;
    }
  }
};
walk(dir);
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`console bundle: ${kib(raw)} raw, ${kib(gzip)} gzip (dist/console)`);
