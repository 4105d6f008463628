// What a training run asks of the data layer: its dataset loaded and a pipeline configured from
// the run config, in one call.
import { numClasses, type RunConfig } from "@ai623/shared";
import type { ProgressMode } from "../util/download";
import type { CifarData } from "./cifar-layout";
import { type LoadCifarOptions, loadCifar } from "./load-dataset";
import { createDataPipeline, type DataPipeline } from "./pipeline";

export type RunDataConfig = Pick<
  RunConfig,
  "dataset" | "batchSize" | "imageSize" | "augment" | "trainSubset" | "valSubset" | "seed"
>;

export interface RunDataOptions {
  cacheDir: string;
  dataDir?: string;
  progress?: ProgressMode;
  log?: (message: string) => void;
  /** Passed through to loadCifar (synthetic size, archive source). */
  load?: Pick<LoadCifarOptions, "synthetic" | "source" | "labelMode">;
}

export interface RunData {
  data: CifarData;
  pipeline: DataPipeline;
}

/** Loads (downloading or generating if needed) the run's dataset and builds its batch pipeline. */
export async function prepareRunData(config: RunDataConfig, opt: RunDataOptions): Promise<RunData> {
  const data = await loadCifar({
    dataset: config.dataset,
    cacheDir: opt.cacheDir,
    ...(opt.dataDir ? { dataDir: opt.dataDir } : {}),
    ...(opt.progress ? { progress: opt.progress } : {}),
    ...(opt.log ? { log: opt.log } : {}),
    ...opt.load,
  });
  const classes = opt.load?.labelMode === "coarse" ? data.classNames.length : numClasses(config.dataset);
  const pipeline = createDataPipeline(
    { train: data.train, test: data.test, numClasses: classes },
    {
      batchSize: config.batchSize,
      imageSize: config.imageSize,
      augment: config.augment,
      trainSubset: config.trainSubset,
      valSubset: config.valSubset,
      seed: config.seed,
    },
  );
  return { data, pipeline };
}
