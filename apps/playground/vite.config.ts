import { defineConfig } from 'vite';

/**
 * The playground's Vite config. `base: './'` makes every asset URL relative, so `dist/` works
 * from any static host and any sub-path (the end-to-end test serves it under one).
 */
export default defineConfig({
  base: './',
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    // TensorFlow.js alone is over a megabyte: expected for this page, not a warning.
    chunkSizeWarningLimit: 4096,
  },
  worker: { format: 'es' },
});
