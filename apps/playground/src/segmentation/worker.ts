// The segmentation tab's worker: picks its backend (WebAssembly when it loads, see
// backend.ts), runs one segmentation run at a time, and posts progress and the maps back.
import { hostTrainingRuns } from '../worker-host.js';
import { chooseSegmentationBackend } from './backend.js';
import { runSegmentation } from './compute.js';

hostTrainingRuns(chooseSegmentationBackend, runSegmentation);
