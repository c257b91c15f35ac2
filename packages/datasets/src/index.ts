/**
 * @uqjs/datasets: real and toy data for uqjs, and the paper's controlled label noise.
 *
 * Legend: `N` examples, `H` height, `W` width, `C` channels, `K` classes, `B` batch,
 * `D` features of a toy point.
 *
 * Importing the package is safe in a browser: the toy sets, `corruptLabels`, `split`,
 * `ImageDataset`, `standardize` and `normalize` run anywhere. The file loaders `loadMnist`,
 * `loadCifar10`, `loadSvhn`, `loadVocSegmentation`, `loadCityscapes`, `loadCamVid` and `dataDir`
 * need Node.js; they import `node:fs`, `node:zlib`, `tar`, `pngjs`, `jpeg-js` and the other
 * modules they use when they are called, never at import time.
 */
export type { Cifar10Options } from './cifar10.js';
export { CIFAR10_CLASS_NAMES, CIFAR10_MIRROR, loadCifar10 } from './cifar10.js';
export type { CubicRegressionOptions } from './cubic-regression.js';
export { makeCubicRegression } from './cubic-regression.js';
export { dataDir } from './data-dir.js';
export type { Normalization, Scalable, Standardization } from './feature-scaling.js';
export { normalize, standardize } from './feature-scaling.js';
export type { Grid } from './grid.js';
export { makeGrid } from './grid.js';
export type {
  ArrayBatch,
  BatchOptions,
  ImageDatasetInit,
  ImageShape,
  ImageStorage,
  TensorBatch,
  TensorOptions,
  TrainTest,
} from './image-dataset.js';
export { ImageDataset } from './image-dataset.js';
export type { CorruptedLabels, CorruptLabelsOptions, LabelNoiseScheme } from './label-noise.js';
export { corruptLabels, flipProbabilities } from './label-noise.js';
export type { MnistOptions } from './mnist.js';
export { loadMnist, MNIST_MIRROR } from './mnist.js';
export type { MoonsOptions } from './moons.js';
export { makeMoons } from './moons.js';
export type { OodClusterOptions } from './ood-cluster.js';
export { makeOodCluster } from './ood-cluster.js';
export { CAMVID_CLASS_NAMES, loadCamVid } from './segmentation-files/camvid.js';
export { CITYSCAPES_CLASS_NAMES, loadCityscapes } from './segmentation-files/cityscapes.js';
export type {
  SegmentationFileSet,
  SegmentationFilesOptions,
} from './segmentation-files/load-pairs.js';
export { loadVocSegmentation, VOC_CLASS_NAMES } from './segmentation-files/voc.js';
export type { SegmentationSet } from './segmentation-set.js';
export { checkSegmentationSet, SEGMENTATION_IGNORE_LABEL } from './segmentation-set.js';
export type { SegmentationShapes, SegmentationShapesOptions } from './segmentation-shapes.js';
export { makeSegmentationShapes } from './segmentation-shapes.js';
export type { SpiralsOptions } from './spirals.js';
export { makeSpirals } from './spirals.js';
export type { SplitOptions, SplitResult } from './split.js';
export { split } from './split.js';
export type { SvhnOptions, SvhnSets } from './svhn.js';
export { loadSvhn, SVHN_MIRROR } from './svhn.js';
export type { ToySet } from './toy-set.js';
