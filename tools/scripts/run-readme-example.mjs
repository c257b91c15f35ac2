// Runs a package README's example inside the workspace (every package and peer at hand) and
// compares its output with the README's stated output. The release check does the same in a
// fresh project with only the README's install line installed.
//
//   node tools/scripts/run-readme-example.mjs packages/sngp [...]
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { example, outputDifference, readReadme } from './readme-example.mjs';
import { root } from './workspace.mjs';

let failures = 0;
for (const dir of process.argv.slice(2).map((d) => resolve(d))) {
  const { code, output } = example(readReadme(dir), `${dir}/README.md`);
  const js = ts.transpileModule(code, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const file = join(root, `.readme-example-${process.pid}.mjs`);
  writeFileSync(file, js);
  let printed;
  try {
    printed = execFileSync(process.execPath, [file], { cwd: root, encoding: 'utf8' });
  } finally {
    rmSync(file, { force: true });
  }
  process.stdout.write(`=== ${dir}\n${printed}`);
  const difference = outputDifference(printed, output);
  console.log(difference === null ? '=== matches the README' : `=== DIFFERS: ${difference}`);
  if (difference !== null) failures++;
}
process.exit(failures > 0 ? 1 : 0);
