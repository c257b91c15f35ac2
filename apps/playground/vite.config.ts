import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The playground's Vite config. `base: './'` makes every asset URL relative, so `dist/` works
 * from any static host and any sub-path (the end-to-end test serves it under one).
 *
 * Dev server only: `@uqjs/datasets` imports Node modules (`node:fs`, `node:zlib`, `tar`) at
 * the top of its Node-only loaders, which its index re-exports. Pre-bundling the package
 * turns those imports into lazy property reads (never made: the page only calls the toy
 * generators), and `tar`, which runs Node code as it loads, is replaced by a stub. The build
 * needs neither: tree-shaking drops the loaders (`sideEffects: false`).
 */
export default defineConfig(({ command }) => ({
  base: './',
  ...(command === 'serve'
    ? {
        resolve: {
          alias: { tar: fileURLToPath(new URL('./src/dev/tar-unavailable.ts', import.meta.url)) },
        },
        optimizeDeps: { include: ['@uqjs/datasets'] },
      }
    : {}),
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    // TensorFlow.js alone is over a megabyte: expected for this page, not a warning.
    chunkSizeWarningLimit: 4096,
  },
  worker: { format: 'es' },
}));
