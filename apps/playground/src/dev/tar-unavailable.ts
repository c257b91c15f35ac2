/**
 * Stands in for the `tar` package in the dev server only (see vite.config.ts).
 * `@uqjs/datasets` imports `tar` (for its Node-only CIFAR-10 loader) from its index, and
 * `tar` subclasses Node's `EventEmitter` when it loads, which breaks the page in the dev
 * server; the production build drops it by tree-shaking. The playground never calls it.
 */
export function x(): never {
  throw new Error('tar is not available in the browser');
}
