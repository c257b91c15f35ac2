// The release test: publish every package to a real local registry (Verdaccio on a loopback
// port, throwaway storage) with `changeset publish`, then, in fresh projects outside the
// workspace, install exactly each package README's install line from it, run the README's
// example as a script and compare its output with the README's stated output
// (tools/scripts/readme-example.mjs). Finally prove that `changeset version` bumps dependents' ranges as configured.
// Needs built packages (`npm run build`). The registry is stopped and the temporary folder
// (which holds the registry user's `_authToken`) removed at the end: on success, on failure
// and on SIGINT, SIGTERM or SIGHUP (tools/scripts/test/release-check-signals.test.ts).
import { execFileSync, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { constants as osConstants, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import ts from 'typescript';
import {
  example,
  importedPackages,
  installLine,
  outputDifference,
  packageName,
  readmeProblems,
  readReadme,
} from './readme-example.mjs';
import { projects, publishable, root } from './workspace.mjs';

const bin = (name) => join(root, 'node_modules', '.bin', name);
const work = mkdtempSync(join(tmpdir(), 'uqjs-release-'));
const log = (message) => console.log(`[release-check] ${message}`);
// `--only @uqjs/a,@uqjs/b` checks a subset (e.g. while other packages are mid-change).
const onlyFlag = process.argv.indexOf('--only');
const only = onlyFlag > 0 ? new Set(process.argv[onlyFlag + 1].split(',')) : null;
const released = () =>
  publishable().filter(({ manifest }) => only === null || only.has(manifest.name));

/**
 * `fetch` with a fresh connection per request: Verdaccio closes idle keep-alive sockets, and a
 * request sent on one of those fails with "other side closed".
 */
function request(url, init = {}) {
  return fetch(url, { ...init, headers: { ...init.headers, connection: 'close' } });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The registry npm is configured with here; the local registry proxies everything but @uqjs to it. */
function upstreamRegistry() {
  // From the root: inside a workspace folder `npm config get` fails with ENOWORKSPACES.
  return execFileSync('npm', ['config', 'get', 'registry'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }).trim();
}

async function startRegistry() {
  const port = await freePort();
  const dir = join(work, 'registry');
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    [
      `storage: ${join(dir, 'storage')}`,
      'auth:',
      '  htpasswd:',
      `    file: ${join(dir, 'htpasswd')}`,
      '    max_users: 10',
      'uplinks:',
      '  upstream:',
      `    url: ${upstreamRegistry()}`,
      '    timeout: 120s',
      'packages:',
      "  '@uqjs/*':",
      '    access: $all',
      '    publish: $authenticated',
      "  '**':",
      '    access: $all',
      '    proxy: upstream',
      'log: { type: stdout, format: pretty, level: warn }',
      '',
    ].join('\n'),
  );
  const server = spawn(bin('verdaccio'), ['--config', config, '--listen', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(server);
  server.once('exit', () => children.delete(server));
  let output = '';
  server.stdout.on('data', (chunk) => {
    output += chunk;
  });
  server.stderr.on('data', (chunk) => {
    output += chunk;
  });
  server.output = () => output;
  const url = `http://127.0.0.1:${port}/`;
  for (let attempt = 0; attempt < 100; attempt++) {
    if (server.exitCode !== null) throw new Error(`verdaccio exited early:\n${output}`);
    try {
      if ((await request(`${url}-/ping`)).ok) return { server, url, port };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  server.kill();
  throw new Error(`verdaccio did not answer on ${url}:\n${output}`);
}

/** Registers a throwaway user and returns its token. */
async function createUser(url) {
  const name = 'uqjs-release-check';
  const response = await request(`${url}-/user/org.couchdb.user:${name}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password: 'release-check-only', type: 'user', roles: [] }),
  });
  if (!response.ok)
    throw new Error(
      `could not create a registry user: ${response.status} ${await response.text()}`,
    );
  return (await response.json()).token;
}

function npmrc(dir, url, port, token) {
  writeFileSync(join(dir, '.npmrc'), `registry=${url}\n//127.0.0.1:${port}/:_authToken=${token}\n`);
}

/** Child processes now running (the registry and the current `run`), stopped by `cleanUp`. */
const children = new Set();

/**
 * Runs a command to completion, its output inherited. Asynchronous (not `execFileSync`) so a
 * signal is handled at once, not after a minutes-long `npm install` returns.
 */
function run(command, args, cwd, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      stdio: 'inherit',
      env: { ...process.env, ...env },
    });
    children.add(child);
    child.once('error', (error) => {
      children.delete(child);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      children.delete(child);
      if (code === 0) resolve();
      else
        reject(new Error(`${command} ${args.join(' ')} failed (${signal ?? `exit code ${code}`})`));
    });
  });
}

/** The quick run of a published CLI: the bench's own `--quick` preset, cut to one small run. */
const CLI_SMOKE_ARGS = [
  'mnist',
  '--quick',
  '--methods',
  'homoscedastic,heteroscedastic',
  '--temperatures',
  '1',
  '--seeds',
  '1',
  '--split',
  '600/200/200',
  '--epochs',
  '1',
  '--eval-samples',
  '100',
  '--workers',
  '1',
  '--progress',
  'lines',
];

/** In a fresh project: install a CLI package and run it through `npx`, as its README says. */
async function runCli({ manifest }, url, port, token) {
  const project = join(work, 'consumers', manifest.name.replace('/', '__'));
  mkdirSync(project, { recursive: true });
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2),
  );
  npmrc(project, url, port, token);
  log(`${manifest.name}: npm install ${manifest.name}@${manifest.version}`);
  await run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      `${manifest.name}@${manifest.version}`,
    ],
    project,
  );
  const args = [...CLI_SMOKE_ARGS, '--out', join(project, 'results')];
  log(`${manifest.name}: npx ${manifest.name} ${args.join(' ')}`);
  await run('npx', ['--no-install', manifest.name, ...args], project);
  if (!existsSync(join(project, 'results', 'report.md')))
    throw new Error(`${manifest.name}: the run wrote no report.md`);
}

/**
 * Runs a command to completion and returns its stdout (stderr inherited); asynchronous for
 * the same reason as `run`.
 */
function output(command, args, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
    children.add(child);
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.once('error', (error) => {
      children.delete(child);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      children.delete(child);
      if (code === 0) resolve(stdout);
      else
        reject(
          new Error(
            `${command} ${args.join(' ')} failed (${signal ?? `exit code ${code}`}); it printed:\n${stdout}`,
          ),
        );
    });
  });
}

/**
 * In a fresh project: install exactly the README's install line, run the README's example as
 * an ES module and compare what it printed with the output the README states.
 */
async function runExample({ dir, manifest }, url, port, token) {
  const project = join(work, 'consumers', manifest.name.replace('/', '__'));
  mkdirSync(project, { recursive: true });
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2),
  );
  npmrc(project, url, port, token);
  const problems = readmeProblems(dir);
  if (problems.length > 0) throw new Error(problems.join('; '));
  const readme = readReadme(dir);
  const line = installLine(readme);
  if (!line.map(packageName).includes(manifest.name))
    throw new Error(`${manifest.name}'s README install line does not name it`);
  const { code, output: stated } = example(readme);
  if (!importedPackages(code).includes(manifest.name))
    throw new Error(`${manifest.name}'s README example does not import it`);
  log(`${manifest.name}: npm install ${line.join(' ')}`);
  await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...line], project);
  const js = ts.transpileModule(code, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  writeFileSync(join(project, 'example.mjs'), js);
  log(`${manifest.name}: node example.mjs`);
  const printed = await output('node', ['example.mjs'], project);
  process.stdout.write(printed);
  const difference = outputDifference(printed, stated);
  if (difference !== null)
    throw new Error(`${manifest.name}: the example's output is not the README's: ${difference}`);
  log(`${manifest.name}: the output matches the README`);
}

/** `changeset version` in a copy of the workspace manifests: a patch to one package bumps its dependents. */
function checkVersionBumps() {
  const copy = join(work, 'versioning');
  mkdirSync(join(copy, '.changeset'), { recursive: true });
  cpSync(join(root, 'package.json'), join(copy, 'package.json'));
  cpSync(join(root, '.changeset', 'config.json'), join(copy, '.changeset', 'config.json'));
  for (const { dir } of projects()) {
    mkdirSync(join(copy, relative(root, dir)), { recursive: true });
    cpSync(join(dir, 'package.json'), join(copy, relative(root, dir), 'package.json'));
  }
  const patched = existsSync(join(root, 'packages', 'noise')) ? '@uqjs/noise' : '@uqjs/core';
  const dependents = projects().filter(({ manifest }) => manifest.dependencies?.[patched]);
  if (dependents.length === 0) throw new Error(`no package depends on ${patched}`);
  writeFileSync(
    join(copy, '.changeset', 'release-check.md'),
    `---\n'${patched}': patch\n---\n\nRelease check.\n`,
  );
  execFileSync(bin('changeset'), ['version'], { cwd: copy, stdio: 'inherit' });
  const read = (dir) =>
    JSON.parse(readFileSync(join(copy, relative(root, dir), 'package.json'), 'utf8'));
  const bumped = read(join(root, 'packages', patched.split('/')[1]));
  for (const { dir, manifest } of dependents) {
    const after = read(dir);
    const range = after.dependencies[patched];
    if (range !== `^${bumped.version}` || after.version === manifest.version) {
      throw new Error(
        `changeset version: ${manifest.name} should depend on ^${bumped.version} with a patch bump, got ${range} at ${after.version}`,
      );
    }
    log(
      `changeset version: ${manifest.name} ${manifest.version} -> ${after.version}, ${patched} ${range}`,
    );
  }
}

let registry;
let cleanedUp = false;
/** Stops every child process (the registry included) and removes the temporary folder. */
function cleanUp() {
  if (cleanedUp) return;
  cleanedUp = true;
  for (const child of children) child.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
/** On a signal: clean up, wait (at most 5 s, then SIGKILL) for the children to exit, exit. */
let stopping = false;
async function onSignal(signal) {
  stopping = true;
  log(`${signal}: stopping the registry and removing ${work}`);
  const exited = [...children].map(
    (child) =>
      new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve))),
  );
  cleanUp();
  const timer = setTimeout(() => {
    for (const child of children) child.kill('SIGKILL');
  }, 5000);
  await Promise.all(exited);
  clearTimeout(timer);
  process.exit(128 + osConstants.signals[signal]);
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(signal, onSignal);
// Whatever else ends the process (process.exit, an uncaught error) still cleans up.
process.once('exit', cleanUp);
try {
  const missing = released().filter(({ dir }) => !existsSync(join(dir, 'dist')));
  if (missing.length > 0)
    throw new Error(
      `build first: no dist/ in ${missing.map(({ dir }) => relative(root, dir)).join(', ')}`,
    );
  registry = await startRegistry();
  const { url, port } = registry;
  log(`registry on ${url} (pid ${registry.server.pid}, storage in ${work})`);
  const token = await createUser(url);
  npmrc(work, url, port, token);
  const registryEnv = { npm_config_registry: url, npm_config_userconfig: join(work, '.npmrc') };
  if (only === null) await run(bin('changeset'), ['publish', '--no-git-tag'], root, registryEnv);
  else
    for (const { dir } of released())
      await run('npm', ['publish', '--loglevel=warn'], dir, registryEnv);
  for (const { manifest } of released()) {
    const response = await request(`${url}${manifest.name.replace('/', '%2f')}`);
    const versions = response.ok ? Object.keys((await response.json()).versions ?? {}) : [];
    if (!versions.includes(manifest.version))
      throw new Error(`${manifest.name}@${manifest.version} was not published`);
  }
  log(`published ${released().length} packages`);
  for (const project of released()) {
    if (project.manifest.bin) await runCli(project, url, port, token);
    else await runExample(project, url, port, token);
  }
  checkVersionBumps();
  log('ok');
} catch (error) {
  // A signal broke off a step: onSignal reports and exits, nothing more to say here.
  if (!stopping) {
    console.error(
      `[release-check] FAILED: ${error.message}${error.cause ? ` (${error.cause.message ?? error.cause})` : ''}`,
    );
  }
  if (registry && !stopping) {
    const state =
      registry.server.exitCode === null ? 'running' : `exited with ${registry.server.exitCode}`;
    console.error(
      `[release-check] registry ${state}; its log:\n${registry.server.output().slice(-4000)}`,
    );
  }
  process.exitCode = 1;
} finally {
  cleanUp();
}
