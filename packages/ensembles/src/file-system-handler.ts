import { io } from '@tensorflow/tfjs-core';
import { DataError, InvalidArgumentError } from '@uqjs/core';

const FN = 'fileSystemHandler';
/** File names inside a model directory, as tfjs-node's `file://` handler writes them. */
const MODEL_FILE = 'model.json';
const WEIGHTS_FILE = 'weights.bin';

/**
 * A TensorFlow.js `IOHandler` that saves a model to, and loads it from, a directory on the
 * Node file system: `<dir>/model.json` (topology and weights manifest) and
 * `<dir>/weights.bin` (all weights, concatenated), the layout of tfjs-node's `file://`
 * handler. Node only: `node:fs` is imported when `save` or `load` runs, so importing this
 * package in a browser stays harmless.
 *
 * @example
 * ```ts
 * await model.save(fileSystemHandler('/tmp/my-model'));
 * const restored = await tf.loadLayersModel(fileSystemHandler('/tmp/my-model'));
 * ```
 * @throws DataError on load when a file is missing or corrupt, or when the manifest points
 *   outside `dir`.
 * @since 0.1.0
 */
export function fileSystemHandler(dir: string): io.IOHandler {
  if (typeof dir !== 'string' || dir.length === 0) {
    throw new InvalidArgumentError({
      fn: FN,
      argument: 'dir',
      expected: 'a non-empty directory path',
      given: dir,
    });
  }
  return { save: (artifacts) => saveArtifacts(dir, artifacts), load: () => loadArtifacts(dir) };
}

async function saveArtifacts(dir: string, artifacts: io.ModelArtifacts): Promise<io.SaveResult> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  if (artifacts.modelTopology instanceof ArrayBuffer || artifacts.modelTopology === undefined) {
    throw new InvalidArgumentError({
      fn: `${FN}.save`,
      argument: 'artifacts.modelTopology',
      expected: 'a JSON model topology',
      given: artifacts.modelTopology,
    });
  }
  const weightData = artifacts.weightData ?? new ArrayBuffer(0);
  const modelJson: io.ModelJSON = {
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
    trainingConfig: artifacts.trainingConfig,
    signature: artifacts.signature,
    userDefinedMetadata: artifacts.userDefinedMetadata,
    modelInitializer: artifacts.modelInitializer,
    initializerSignature: artifacts.initializerSignature,
  };
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, WEIGHTS_FILE),
    new Uint8Array(io.CompositeArrayBuffer.join(weightData)),
  );
  await writeFile(join(dir, MODEL_FILE), JSON.stringify(modelJson));
  return { modelArtifactsInfo: io.getModelArtifactsInfoForJSON(artifacts) };
}

async function loadArtifacts(dir: string): Promise<io.ModelArtifacts> {
  const { readFile } = await import('node:fs/promises');
  const { join, resolve, sep } = await import('node:path');
  const modelPath = join(dir, MODEL_FILE);
  const modelJson = parseModelJson(await readOrFail(readFile, modelPath), modelPath);
  const root = resolve(dir);
  return io.getModelArtifactsForJSON(modelJson, async (manifest) => {
    const buffers: ArrayBuffer[] = [];
    for (const group of manifest) {
      for (const relative of group.paths) {
        const file = resolve(root, relative);
        if (!file.startsWith(root + sep)) {
          throw new DataError(
            `${FN}.load: weights path ${JSON.stringify(relative)} in ${modelPath} points outside ${root}`,
          );
        }
        const bytes = await readOrFail(readFile, file);
        // Copy the Node Buffer's bytes into a standalone ArrayBuffer.
        buffers.push(
          bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
        );
      }
    }
    return [io.getWeightSpecs(manifest), io.CompositeArrayBuffer.join(buffers)];
  });
}

async function readOrFail(
  readFile: (path: string) => Promise<Uint8Array>,
  path: string,
): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new DataError(`${FN}.load: cannot read ${path}: ${(error as Error).message}`);
  }
}

function parseModelJson(bytes: Uint8Array, path: string): io.ModelJSON {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new DataError(`${FN}.load: ${path} is not valid JSON: ${(error as Error).message}`);
  }
  const json = parsed as Partial<io.ModelJSON> | null;
  if (
    json === null ||
    typeof json !== 'object' ||
    json.modelTopology === undefined ||
    !Array.isArray(json.weightsManifest)
  ) {
    throw new DataError(`${FN}.load: ${path} lacks modelTopology or weightsManifest`);
  }
  return json as io.ModelJSON;
}
