/**
 * `@uqjs/ensembles/node`: the Node-only parts of `@uqjs/ensembles`, the file-system
 * `IOHandler` for one model and the file-system store for a whole `DeepEnsemble`. They import
 * `node:fs` and `node:path`; the main entry imports neither, so it bundles for the browser.
 *
 * @since 0.2.0
 */
export { ensembleDirectory } from './ensemble-directory.js';
export { fileSystemHandler } from './file-system-handler.js';
