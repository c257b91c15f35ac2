// The package must load in a browser: no module reachable from the built index may import a
// Node.js module or `tar` statically, and no module may name one in a literal `import()`
// (bundlers resolve those too; Vite then warns "externalized for browser compatibility").
// The build is `tsc -p tsconfig.build.json`, emitted in memory so that `dist/`, which other
// workspaces read, is left alone.
import { readFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UqjsError } from '@uqjs/core';
import ts from 'typescript';
import { afterEach, describe, expect, it } from 'vitest';
import { dataDir } from '../src/index.js';

const PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(PACKAGE, 'dist');

/** What must never be imported where the browser loads: Node built-ins and `tar`. */
const nodeOnly = (specifier: string) => isBuiltin(specifier) || specifier === 'tar';

/** The JavaScript `tsc -p tsconfig.build.json` emits, by absolute path under `dist/`. */
function emitBuild(): Map<string, string> {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(PACKAGE, 'tsconfig.build.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (config === undefined) throw new Error('tsconfig.build.json could not be read');
  // The JavaScript alone: no declarations, no source maps, no type check (the typecheck does
  // that); with isolatedModules the emitted code does not depend on them.
  const options = {
    ...config.options,
    declaration: false,
    declarationMap: false,
    sourceMap: false,
    noCheck: true,
  };
  const program = ts.createProgram({ rootNames: config.fileNames, options });
  const js = new Map<string, string>();
  const result = program.emit(undefined, (file, text) => {
    if (file.endsWith('.js')) js.set(resolve(file), text);
  });
  if (result.emitSkipped) throw new Error('tsc emitted nothing');
  return js;
}

/** The module specifiers of one JavaScript module. */
interface Imports {
  /** Top-level `import ... from` and `export ... from`. */
  readonly static: string[];
  /** `import('...')` with a string literal, anywhere in the module. */
  readonly literalDynamic: string[];
}

function importsOf(code: string, file: string): Imports {
  const source = ts.createSourceFile(file, code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const statics: string[] = [];
  for (const statement of source.statements) {
    const from =
      ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)
        ? statement.moduleSpecifier
        : undefined;
    if (from !== undefined && ts.isStringLiteral(from)) statics.push(from.text);
  }
  const literalDynamic: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      if (argument !== undefined && ts.isStringLiteralLike(argument)) {
        literalDynamic.push(argument.text);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { static: statics, literalDynamic };
}

/** What a walk of the static imports found. */
interface Graph {
  /** Every module reached from the entry, by absolute path. */
  readonly reached: string[];
  /** Imports left outside the walk (not followed), as `specifier <- importing file`. */
  readonly external: string[];
  /** Static imports of Node built-ins or `tar`, as `specifier <- importing file`. */
  readonly nodeStatic: string[];
  /** Literal `import()` of Node built-ins or `tar` in a reached module. */
  readonly nodeDynamic: string[];
}

/**
 * Follows the static imports from `entry`: relative ones, and bare ones that `follow` maps to
 * a file (uqjs packages); every other bare specifier is external. `load` gives a module's code.
 */
function walk(
  entry: string,
  load: (file: string) => string,
  follow: (specifier: string) => string | undefined,
): Graph {
  const reached = new Set<string>();
  const external = new Set<string>();
  const nodeStatic: string[] = [];
  const nodeDynamic: string[] = [];
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (reached.has(file)) continue;
    reached.add(file);
    const imports = importsOf(load(file), file);
    for (const specifier of imports.static) {
      if (nodeOnly(specifier)) nodeStatic.push(`${specifier} <- ${file}`);
      const target = specifier.startsWith('.')
        ? resolve(dirname(file), specifier)
        : follow(specifier);
      if (target === undefined) external.add(specifier);
      else queue.push(target);
    }
    for (const specifier of imports.literalDynamic) {
      if (nodeOnly(specifier)) nodeDynamic.push(`${specifier} <- ${file}`);
    }
  }
  return { reached: [...reached].sort(), external: [...external].sort(), nodeStatic, nodeDynamic };
}

describe('the import graph of the built package', () => {
  it('walks a small graph and finds static and literal dynamic Node imports', () => {
    // The checker itself: it must see through re-exports and flag both kinds of import.
    const files: Record<string, string> = {
      '/p/index.js': "export { a } from './a.js';\nimport './b.js';",
      '/p/a.js': "import { x } from 'tar';\nexport const a = () => import('node:fs');",
      '/p/b.js': "import zlib from 'zlib';\nimport * as tf from '@tensorflow/tfjs-core';",
      '/p/unused.js': "import 'node:os';",
    };
    const graph = walk(
      '/p/index.js',
      (file) => files[file]!,
      () => undefined,
    );
    expect(graph.reached).toEqual(['/p/a.js', '/p/b.js', '/p/index.js']);
    expect(graph.nodeStatic.sort()).toEqual(['tar <- /p/a.js', 'zlib <- /p/b.js']);
    expect(graph.nodeDynamic).toEqual(['node:fs <- /p/a.js']);
    expect(graph.external).toEqual(['@tensorflow/tfjs-core', 'tar', 'zlib']);
  });

  it('has no Node module or tar reachable from dist/index.js, through @uqjs/core too', () => {
    const emitted = emitBuild();
    const load = (file: string) => emitted.get(file) ?? readFileSync(file, 'utf8');
    // uqjs packages are followed into their built files; everything else stays external.
    const follow = (specifier: string) =>
      specifier.startsWith('@uqjs/')
        ? createRequire(import.meta.url).resolve(specifier)
        : undefined;
    const graph = walk(join(DIST, 'index.js'), load, follow);
    // The walk reaches every module of the package, the Node-only loaders included, so the
    // check below covers them (their Node modules are imported only when they run).
    const ours = graph.reached.filter((file) => file.startsWith(`${DIST}/`));
    expect(ours).toEqual([...emitted.keys()].sort());
    expect(ours).toContain(join(DIST, 'cifar10.js'));
    expect(ours).toContain(join(DIST, 'node-modules.js'));
    expect(graph.reached.some((file) => file.includes('/core/dist/'))).toBe(true);
    expect(graph.nodeStatic).toEqual([]);
    expect(graph.nodeDynamic).toEqual([]);
    // The only packages the browser loads with it: TensorFlow.js core (a browser library).
    expect(graph.external).toEqual(['@tensorflow/tfjs-core']);
  });
});

describe('dataDir outside Node', () => {
  const original = Object.getOwnPropertyDescriptor(process, 'getBuiltinModule');
  afterEach(() => {
    if (original) Object.defineProperty(process, 'getBuiltinModule', original);
  });

  it('says it needs Node.js when process.getBuiltinModule is missing', () => {
    Object.defineProperty(process, 'getBuiltinModule', { value: undefined, configurable: true });
    expect(() => dataDir()).toThrow(UqjsError);
    expect(() => dataDir()).toThrow(
      'dataDir: runs in Node.js only, version 20.16 or later (it needs process.getBuiltinModule)',
    );
  });
});
