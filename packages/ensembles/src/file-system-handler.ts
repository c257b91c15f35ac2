import { io, serialization } from '@tensorflow/tfjs-core';
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
 * @throws DataError on load when a file is missing or corrupt, when the manifest or a
 *   symbolic link points outside `dir`, when the weight files do not hold exactly the bytes
 *   the manifest describes (or a dtype is unknown), or when a layer class is not registered.
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
  const { readFile, realpath } = await import('node:fs/promises');
  const { join, resolve, sep } = await import('node:path');
  const root = resolve(dir);
  // Symbolic links are followed before the check: a link to a file outside `dir` is refused.
  const real = async (file: string): Promise<string> => {
    try {
      return await realpath(file);
    } catch (error) {
      throw new DataError(`${FN}.load: cannot read ${file}: ${(error as Error).message}`);
    }
  };
  let realRoot: string | undefined;
  const inside = async (file: string, what: string): Promise<void> => {
    const resolved = await real(file);
    realRoot ??= await real(root);
    if (!resolved.startsWith(realRoot + sep)) {
      throw new DataError(
        `${FN}.load: ${what} ${file} resolves to ${resolved}, outside the model directory ${realRoot}`,
      );
    }
  };
  const modelPath = join(dir, MODEL_FILE);
  await inside(modelPath, 'the model file');
  const modelJson = parseModelJson(await readOrFail(readFile, modelPath), modelPath);
  checkLayerClasses(modelJson.modelTopology, modelPath);
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
        await inside(file, 'the weights file');
        const bytes = await readOrFail(readFile, file);
        // Copy the Node Buffer's bytes into a standalone ArrayBuffer.
        buffers.push(
          bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
        );
      }
    }
    const specs = io.getWeightSpecs(manifest);
    checkWeightBytes(specs, buffers, modelPath);
    return [specs, io.CompositeArrayBuffer.join(buffers)];
  });
}

/** Bytes per element of each dtype a weights manifest may hold (unquantized). */
const DTYPE_BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1 };

/**
 * Checks every weight's dtype and that the weight files hold exactly the bytes the manifest
 * describes (tfjs would otherwise read past the end, or silently ignore the rest).
 */
function checkWeightBytes(
  specs: readonly io.WeightsManifestEntry[],
  buffers: readonly ArrayBuffer[],
  modelPath: string,
): void {
  let expected = 0;
  for (const spec of specs) {
    const shapeOk =
      Array.isArray(spec.shape) && spec.shape.every((d) => Number.isInteger(d) && d >= 0);
    const bytes = spec.quantization?.dtype
      ? spec.quantization.dtype === 'float16' || spec.quantization.dtype === 'uint16'
        ? 2
        : 1
      : DTYPE_BYTES[spec.dtype];
    if (!shapeOk || bytes === undefined) {
      throw new DataError(
        `${FN}.load: ${modelPath}: weight ${JSON.stringify(spec.name)} must have a shape of ` +
          `non-negative integers and dtype float32, int32 or bool, got shape ` +
          `${JSON.stringify(spec.shape)} and dtype ${JSON.stringify(spec.dtype)}`,
      );
    }
    expected += spec.shape.reduce((a, b) => a * b, 1) * bytes;
  }
  const actual = buffers.reduce((total, b) => total + b.byteLength, 0);
  if (actual !== expected) {
    throw new DataError(
      `${FN}.load: ${modelPath}: the weights manifest describes ${expected} bytes, the weight files hold ${actual}`,
    );
  }
}

/**
 * Checks that every layer class named in the topology is registered with tfjs (custom layers
 * register when their package is imported), so that a missing one is named up front.
 */
function checkLayerClasses(topology: unknown, modelPath: string): void {
  const registered = serialization.SerializationMap.getMap().classNameMap;
  const visit = (layer: unknown): void => {
    const spec = layer as { class_name?: unknown; config?: { layer?: unknown } } | null;
    if (spec === null || typeof spec !== 'object' || typeof spec.class_name !== 'string') return;
    if (registered[spec.class_name] === undefined) {
      throw new DataError(
        `${FN}.load: ${modelPath}: layer class ${JSON.stringify(spec.class_name)} is not ` +
          'registered (import the package that defines it before loading)',
      );
    }
    // Wrappers (SpectralNormalization, TimeDistributed, ...) hold their layer as config.layer.
    visit(spec.config?.layer);
  };
  const model = topology as { config?: { layers?: unknown } | unknown[] } | null;
  const config = model?.config;
  const list = Array.isArray(config) ? config : (config as { layers?: unknown })?.layers;
  if (Array.isArray(list)) list.forEach(visit);
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
