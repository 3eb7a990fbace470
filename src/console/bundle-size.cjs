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
// What the first page load fetches: the entry, its static imports and their CSS; the rest are the lazy pages.
const manifest = JSON.parse(fs.readFileSync(path.join(dir, '.vite/manifest.json'), 'utf8'));
const initial = new Set();
const visit = (key) => {
  const chunk = manifest[key];
  if (!chunk || initial.has(chunk.file)) return;
  initial.add(chunk.file);
  for (const css of chunk.css ?? []) initial.add(css);
  for (const dep of chunk.imports ?? []) visit(dep);
};
for (const [key, chunk] of Object.entries(manifest)) if (chunk.isEntry) visit(key);
const initialGzip = [...initial].reduce((n, f) => n + zlib.gzipSync(fs.readFileSync(path.join(dir, f)), { level: 9 }).length, 0);
console.log(
  `console bundle: ${kib(raw)} raw, ${kib(gzip)} gzip (dist/console); first load ${kib(initialGzip)} gzip, lazy pages ${kib(gzip - initialGzip)} gzip`,
);
