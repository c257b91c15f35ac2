import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../check-sync-reads.mjs', import.meta.url));
const dirs: string[] = [];

/** A scratch tree with `packages/p/src/a.ts` holding `source` and the given allow-list. */
function check(source: string, allow: object[]): { code: number | null; output: string } {
  const root = mkdtempSync(join(tmpdir(), 'sync-reads-'));
  dirs.push(root);
  mkdirSync(join(root, 'packages', 'p', 'src'), { recursive: true });
  mkdirSync(join(root, 'apps'), { recursive: true });
  mkdirSync(join(root, 'tools', 'scripts'), { recursive: true });
  writeFileSync(join(root, 'packages', 'p', 'src', 'a.ts'), source);
  writeFileSync(join(root, 'tools', 'scripts', 'sync-reads-allow.json'), JSON.stringify(allow));
  const result = spawnSync(process.execPath, [SCRIPT, '--root', root], { encoding: 'utf8' });
  return { code: result.status, output: result.stdout + result.stderr };
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const ENTRY = { file: 'packages/p/src/a.ts', code: 'x.dataSync()', reason: 'a sync API' };

describe('check-sync-reads', () => {
  it('fails on a synchronous read that the allow-list does not name', () => {
    const { code, output } = check('const v = t.arraySync();\n', []);
    expect(code).toBe(1);
    expect(output).toContain(
      'packages/p/src/a.ts:1: synchronous tensor read `const v = t.arraySync();`',
    );
  });

  it('passes an allowed read that keeps its sync read comment, and ignores comments', () => {
    const source =
      '// t.dataSync() in a comment\n// sync read: a sync API\nconst v = x.dataSync();\n';
    const { code, output } = check(source, [ENTRY]);
    expect(output).toContain('check-sync-reads: 1 synchronous reads, all in the allow-list');
    expect(code).toBe(0);
  });

  it('fails when an allowed read lost its sync read comment, or a second one appears', () => {
    expect(check('const v = x.dataSync();\n', [ENTRY]).output).toContain('lost its');
    const twice = check('// sync read: a\nconst v = x.dataSync();\nconst w = x.dataSync();\n', [
      ENTRY,
    ]);
    expect(twice.code).toBe(1);
    expect(twice.output).toContain('matches 2 line(s), expected 1: a new synchronous read');
  });

  it('rejects an entry without a reason and warns about one that matches nothing', () => {
    const noReason = check('const a = 1;\n', [{ file: ENTRY.file, code: ENTRY.code }]);
    expect(noReason.code).toBe(1);
    expect(noReason.output).toContain('needs "file", "code" and a non-empty "reason"');
    const stale = check('const a = 1;\n', [ENTRY]);
    expect(stale.code).toBe(0);
    expect(stale.output).toContain('warning: sync-reads-allow.json: packages/p/src/a.ts');
  });
});
