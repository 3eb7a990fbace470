// The operator console's build: a single page served by the gateway from dist/console (docs/console.md).
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: '/',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../../dist/console', import.meta.url)),
    emptyOutDir: true,
    // The gateway serves the console only when the manifest says a build is there (src/http/console.ts).
    manifest: true,
    chunkSizeWarningLimit: 2000,
    reportCompressedSize: true,
  },
});
