// Bundles every publishable package's main entry for the browser with esbuild
// (`--bundle --platform=browser`) and fails when a bundle reaches a Node built-in
// (`node:fs`, `child_process`, ...), statically or through a literal `import()`.
// Node-only parts live in `./node` subpath exports (`@uqjs/backend/node`,
// `@uqjs/ensembles/node`), which are not bundled here. As a control, the `./node` entries are
// bundled too and must be flagged, so a checker that sees nothing cannot pass.
//
//   node tools/scripts/check-browser-bundles.mjs   (after `npm run build`)
import { builtinModules } from 'node:module';
import { build } from 'esbuild';
import { projects, root } from './workspace.mjs';

const SKIP = Symbol('own resolution');
const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/**
 * Bundles `specifier` for the browser; returns the Node built-ins it reaches, each with the
 * module that imports it, and esbuild's errors.
 *
 * @param {string} specifier
 * @returns {Promise<{ builtins: string[], errors: string[] }>}
 */
export async function browserBundleProblems(specifier) {
  const found = [];
  const recordBuiltins = {
    name: 'record-node-builtins',
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === SKIP) return undefined;
        if (!builtins.has(args.path) && !args.path.startsWith('node:')) return undefined;
        // A package's `browser` field may map the built-in away (`"crypto": false`): only
        // what esbuild's own resolution cannot turn into a browser module counts.
        const own = await b.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: SKIP,
        });
        if (own.errors.length === 0) return undefined; // esbuild resolves it again itself
        found.push(`${args.path} (${args.kind} in ${args.importer.replace(`${root}/`, '')})`);
        return { path: args.path, external: true };
      });
    },
  };
  try {
    await build({
      stdin: {
        contents: `export * from ${JSON.stringify(specifier)};`,
        resolveDir: root,
        loader: 'js',
      },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
      plugins: [recordBuiltins],
    });
    return { builtins: found, errors: [] };
  } catch (error) {
    const errors = (error.errors ?? [{ text: error.message }]).map(
      (e) => `${e.text}${e.location ? ` (${e.location.file}:${e.location.line})` : ''}`,
    );
    return { builtins: found, errors };
  }
}

async function main() {
  let failures = 0;
  // The libraries under packages/ (apps/bench is a Node command-line tool).
  const libraries = projects(['packages']).filter(({ manifest }) => manifest.private !== true);
  for (const { manifest } of libraries) {
    const { builtins: reached, errors } = await browserBundleProblems(manifest.name);
    const ok = reached.length === 0 && errors.length === 0;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${manifest.name}: browser bundle of the main entry`);
    for (const b of reached) console.log(`     imports the Node built-in ${b}`);
    for (const e of errors) console.log(`     esbuild: ${e}`);
    if (!ok) failures++;
    if (manifest.exports?.['./node'] !== undefined) {
      const control = await browserBundleProblems(`${manifest.name}/node`);
      if (control.builtins.length === 0) {
        console.log(
          `FAIL ${manifest.name}/node: expected the Node-only entry to be flagged, nothing was found (is the checker broken?)`,
        );
        failures++;
      }
    }
  }
  if (failures > 0) {
    console.error(`browser bundles: ${failures} problem(s)`);
    process.exit(1);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
