export type { HasShape, NumericArray } from './checks.js';
export {
  checkAllFinite,
  checkBoolean,
  checkFiniteNumber,
  checkInRange,
  checkInteger,
  checkLabels,
  checkOneOf,
  checkPositive,
  checkPositiveInteger,
  checkProbabilities,
  checkRank,
  checkSameShape,
  checkShape,
} from './checks.js';
export type { ArgumentProblem } from './errors.js';
export {
  BackendError,
  DataError,
  describeValue,
  InvalidArgumentError,
  ShapeError,
  UqjsError,
} from './errors.js';
export type { DenseMatrix, Matrix, MatrixInput, VectorInput } from './inputs.js';
export {
  checkLength,
  checkMatrixTensor,
  checkNonEmpty,
  checkNumbers,
  checkOptionsObject,
  checkRowLabels,
  checkTwoOrMoreColumns,
  DEFAULT_TOLERANCE,
  isArrayOrTypedArray,
  isDenseMatrix,
  isNestedArray,
  isTensor,
  readArrayMatrix,
  readArrayVector,
  readMatrix,
  readOptions,
  readTolerance,
  readVector,
} from './inputs.js';
export type { LayerArgs, LayerCallKwargs, LayerShape } from './layer-io.js';
export { checkCount, layerArgsObject, layerSeed, singleInput, singleShape } from './layer-io.js';
export { PassSeeds } from './pass-seeds.js';
export type { Predictive } from './predictive.js';
export { checkPredictive, disposePredictive } from './predictive.js';
export type { Seed, SeedStream } from './seed.js';
export { checkSeed, deriveSeed, Rng, seedStream } from './seed.js';
export type {
  WasmApi,
  WasmFunction,
  WasmImport,
  WasmMemory,
  WasmModule,
  WasmSignature,
} from './wasm/assembler.js';
export {
  assembleWasm,
  signedLeb128,
  unsignedLeb128,
  wasmApi,
  wasmOp,
  wasmType,
} from './wasm/assembler.js';
