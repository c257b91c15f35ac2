import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const script = new URL('../../../apps/playground/scripts/ensure-chromium.sh', import.meta.url)
  .pathname;
const root = mkdtempSync(join(tmpdir(), 'uqjs-ensure-chromium-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/**
 * The only programs the script runs besides bash builtins, linked into a folder of their own:
 * the tests' PATH leaves out /usr/bin, so a browser installed on this machine is not found.
 */
const bash = spawnSync('bash', ['-c', 'command -v bash'], { encoding: 'utf8' }).stdout.trim();
const tools = join(root, 'tools');
mkdirSync(tools);
for (const name of ['id', 'sort']) {
  const found = spawnSync('bash', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
  symlinkSync(found, join(tools, name));
}

/** Writes an executable shell script at `path` (a fake browser, a fake `id`, ...). */
function executable(path: string, body: string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

/** Runs the script with a home, PATH and system path list of the test's own. */
function ensure(env: Record<string, string>, args: string[] = []) {
  const home = mkdtempSync(join(root, 'home-'));
  const result = spawnSync(bash, [script, ...args], {
    encoding: 'utf8',
    env: {
      HOME: home,
      PATH: `${join(home, 'bin')}:${tools}`,
      ENSURE_CHROMIUM_SYSTEM_PATHS: '',
      ...env,
    },
  });
  const lines = result.stdout.trim().split('\n');
  return { status: result.status, path: lines.at(-1), stderr: result.stderr, home };
}

const fakeChrome = 'echo "Chromium 1.2.3"';

describe('ensure-chromium.sh', () => {
  it('uses CHROME_PATH when it is an executable, and fails naming it when it is not', () => {
    const chrome = executable(join(root, 'given', 'chrome'), fakeChrome);
    expect(ensure({ CHROME_PATH: chrome })).toMatchObject({ status: 0, path: chrome });
    const bad = ensure({ CHROME_PATH: join(root, 'missing', 'chrome') });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('missing/chrome is not an executable file');
  });

  it('finds a browser on PATH, then on the system paths', () => {
    const onPath = mkdtempSync(join(root, 'path-'));
    const chromium = executable(join(onPath, 'chromium-browser'), fakeChrome);
    expect(ensure({ PATH: `${onPath}:${tools}` })).toMatchObject({
      status: 0,
      path: chromium,
    });
    const system = executable(join(root, 'system', 'chromium'), fakeChrome);
    expect(
      ensure({ ENSURE_CHROMIUM_SYSTEM_PATHS: `${join(root, 'nothing')} ${system}` }),
    ).toMatchObject({ status: 0, path: system });
  });

  it('finds the newest Playwright or Puppeteer build in the caches', () => {
    const playwright = mkdtempSync(join(root, 'playwright-'));
    executable(join(playwright, 'chromium-999', 'chrome-linux', 'chrome'), fakeChrome);
    const newest = executable(
      join(playwright, 'chromium-1100', 'chrome-linux', 'chrome'),
      fakeChrome,
    );
    expect(ensure({ PLAYWRIGHT_BROWSERS_PATH: playwright }, ['--find-only'])).toMatchObject({
      status: 0,
      path: newest,
    });
    const puppeteer = mkdtempSync(join(root, 'puppeteer-'));
    const chrome = executable(
      join(puppeteer, 'chrome', 'linux-131.0.6778.85', 'chrome-linux64', 'chrome'),
      fakeChrome,
    );
    expect(ensure({ PUPPETEER_CACHE_DIR: puppeteer }, ['--find-only'])).toMatchObject({
      status: 0,
      path: chrome,
    });
  });

  it('without a browser, fails with instructions (no apt-get, no sudo) unless root on Debian', () => {
    // A fake `id` (uid 1000) and fake apt-get/sudo that record being called.
    const marker = join(root, 'called');
    const shims = mkdtempSync(join(root, 'shims-'));
    executable(join(shims, 'id'), 'echo 1000');
    executable(join(shims, 'apt-get'), `echo apt-get >> ${marker}; exit 1`);
    executable(join(shims, 'sudo'), `echo sudo >> ${marker}; exit 1`);
    const result = ensure({ PATH: `${shims}:${tools}` });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/no Chromium found .*set CHROME_PATH=\/path\/to\/chrome/);
    expect(result.stderr).toContain('npx playwright install chromium');
    expect(existsSync(marker)).toBe(false); // neither apt-get nor sudo ran
    const findOnly = ensure({ PATH: `${shims}:${tools}` }, ['--find-only']);
    expect(findOnly.status).toBe(1);
    expect(findOnly.stderr).toContain('no Chromium found; set CHROME_PATH');
  });
});
