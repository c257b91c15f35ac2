// `npm test`: every check a change must pass, in order, then one closing line
// `Tests: N passed, N failed` summed from the vitest JSON reports of every project.
// Exits non-zero when a step fails, a test fails, or no test ran.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { projects, root } from './workspace.mjs';

const parallel = process.env.UQJS_PARALLEL ?? '2';
const steps = [
  // The playground's end-to-end test drives a Chromium: the one found on the machine
  // (CHROME_PATH, system paths, Puppeteer/Playwright caches), installed with apt-get only as
  // root on Debian (CI). Its path (the script's last stdout line) goes to the later steps.
  ['chromium', 'bash', [join(root, 'apps', 'playground', 'scripts', 'ensure-chromium.sh')]],
  ['lint', 'npx', ['biome', 'ci', '.']],
  // No synchronous tensor reads outside tools/scripts/sync-reads-allow.json (webgpu, issue 24).
  ['sync reads', 'node', [join(root, 'tools', 'scripts', 'check-sync-reads.mjs')]],
  [
    'build',
    'npx',
    ['nx', 'run-many', '-t', 'build', `--parallel=${parallel}`, '--outputStyle=static'],
  ],
  [
    'typecheck',
    'npx',
    ['nx', 'run-many', '-t', 'typecheck', `--parallel=${parallel}`, '--outputStyle=static'],
  ],
  [
    'unit tests',
    'npx',
    [
      'nx',
      'run-many',
      '-t',
      'test',
      `--parallel=${parallel}`,
      '--outputStyle=static',
      '--skip-nx-cache',
    ],
  ],
  // The same tests on webgpu through Mesa lavapipe (installed when missing; a subset, ~5 min).
  [
    'webgpu tests',
    'bash',
    [
      join(root, 'tools', 'webgpu', 'lavapipe-run.sh'),
      'node',
      join(root, 'tools', 'webgpu', 'test-webgpu.mjs'),
    ],
  ],
  ['packaging', 'node', [join(root, 'tools', 'scripts', 'check-packaging.mjs')]],
  ['browser bundles', 'node', [join(root, 'tools', 'scripts', 'check-browser-bundles.mjs')]],
  ['release', 'node', [join(root, 'tools', 'scripts', 'release-check.mjs')]],
];

const reports = projects().flatMap(({ dir }) =>
  ['vitest.json', 'vitest-webgpu.json'].map((name) => join(dir, 'reports', name)),
);
for (const report of reports) rmSync(report, { force: true });

const failedSteps = [];
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' };
for (const [name, command, args] of steps) {
  const started = Date.now();
  console.log(`\n=== ${name}: ${command} ${args.join(' ')}`);
  const chromium = name === 'chromium';
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: ['inherit', chromium ? 'pipe' : 'inherit', 'inherit'],
    encoding: 'utf8',
    env,
  });
  if (chromium && result.status === 0) {
    process.stdout.write(result.stdout);
    env.CHROME_PATH = result.stdout.trim().split('\n').at(-1);
  }
  console.log(
    `=== ${name}: ${result.status === 0 ? 'ok' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  if (result.status !== 0) {
    failedSteps.push(name);
    if (name === 'build') break; // nothing after a failed build can be trusted
  }
}

let passed = 0;
let failed = 0;
for (const report of reports.filter(existsSync)) {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  passed += json.numPassedTests;
  failed +=
    json.numFailedTests +
    (json.numTotalTestSuites > 0 && json.success === false && json.numFailedTests === 0 ? 1 : 0);
}
if (failedSteps.length > 0) console.log(`\nfailed steps: ${failedSteps.join(', ')}`);
console.log(`Tests: ${passed} passed, ${failed} failed`);
process.exit(failedSteps.length > 0 || failed > 0 || passed === 0 ? 1 : 0);
