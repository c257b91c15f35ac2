// The training worker of the toy problems: picks the tfjs backend, runs one training run at a
// time, and posts progress and the evaluated surfaces back to the page (see protocol.ts).
import { chooseBackend } from './backend.js';
import { runPlayground } from './run.js';
import { hostTrainingRuns } from './worker-host.js';

hostTrainingRuns(chooseBackend, runPlayground);
