// Packs every publishable package and checks the tarball as a user would get it:
// publint --strict, "are the types wrong" (ESM-only profile), no tests inside, the root's
// LICENSE inside, every source map's sources inside (the TypeScript sources ship in src/ so
// the .js.map and .d.ts.map files lead somewhere), and prints each tarball's size.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize, relative } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { publishable, root } from './workspace.mjs';

const license = readFileSync(join(root, 'LICENSE'), 'utf8');

/**
 * Source maps in the tarball whose sources neither ship in it nor are inlined
 * (`sourcesContent`): a debugger or "go to definition" would lead nowhere.
 */
function unresolvedMapSources(dir, paths) {
  const shipped = new Set(paths);
  const problems = [];
  for (const map of paths.filter((p) => p.endsWith('.map'))) {
    const { sources = [], sourcesContent = [] } = JSON.parse(readFileSync(join(dir, map), 'utf8'));
    const missing = sources.filter(
      (source, i) =>
        typeof sourcesContent[i] !== 'string' &&
        !shipped.has(normalize(join(dirname(map), source))),
    );
    if (missing.length > 0)
      problems.push(`${map} points at sources not shipped: ${missing.join(', ')}`);
  }
  return problems;
}

const out = mkdtempSync(join(tmpdir(), 'uqjs-pack-'));
let failures = 0;
try {
  for (const { dir, manifest } of publishable()) {
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--pack-destination', out], {
        cwd: dir,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }),
    );
    const tarball = join(out, packed.filename);
    const problems = [];
    const paths = packed.files.map((f) => f.path);
    const stray = paths.filter((p) => /(^|\/)test\/|\.test\.|\.tsbuildinfo$/.test(p));
    if (stray.length > 0)
      problems.push(`tarball holds files users do not need: ${stray.join(', ')}`);
    if (!paths.includes('LICENSE')) problems.push('tarball has no LICENSE');
    else if (readFileSync(join(dir, 'LICENSE'), 'utf8') !== license)
      problems.push("LICENSE differs from the repository's LICENSE");
    problems.push(...unresolvedMapSources(dir, paths));
    const { messages, pkg } = await publint({ pkgDir: dir, strict: true });
    for (const message of messages)
      problems.push(`publint ${message.type}: ${formatMessage(message, pkg)}`);
    try {
      execFileSync(
        join(root, 'node_modules', '.bin', 'attw'),
        [tarball, '--profile', 'esm-only', '--format', 'ascii'],
        {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
    } catch (error) {
      problems.push(`attw: ${(error.stdout || error.message).trim()}`);
    }
    const kib = (packed.size / 1024).toFixed(1);
    console.log(
      `${problems.length === 0 ? 'ok  ' : 'FAIL'} ${manifest.name}@${manifest.version} (${relative(root, dir)}): ${packed.entryCount} files, ${kib} KiB packed`,
    );
    for (const problem of problems) console.log(`     ${problem}`);
    failures += problems.length > 0 ? 1 : 0;
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
if (failures > 0) {
  console.error(`packaging: ${failures} package(s) failed`);
  process.exit(1);
}
