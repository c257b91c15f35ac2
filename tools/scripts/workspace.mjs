// Lists the workspace's projects (packages/*, apps/* and tools/*) with their package.json.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** @returns {{ dir: string, manifest: Record<string, any> }[]} */
export function projects(groups = ['packages', 'apps', 'tools']) {
  return groups.flatMap((group) => {
    const base = join(root, group);
    if (!existsSync(base)) return [];
    return readdirSync(base)
      .map((name) => join(base, name))
      .filter((dir) => existsSync(join(dir, 'package.json')))
      .map((dir) => ({
        dir,
        manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')),
      }));
  });
}

/** Projects that are published to npm. */
export function publishable() {
  return projects().filter(({ manifest }) => manifest.private !== true);
}
