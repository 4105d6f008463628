// Batches for training and validation: uint8 records in memory → float32 NHWC tensors, one batch
// ahead of the consumer. Tensors are created only when a batch is handed out and belong to the
// caller (`batch.dispose()`), so an abandoned epoch leaks nothing.
import * as tf from "@tensorflow/tfjs";
import { createRng, deriveSeed, randomInt } from "../util/rng";
import { type CifarSplit, imageChannels, imageSide, pixelBytes } from "./cifar-layout";
import { selectStratifiedSubset, shuffleForEpoch } from "./subset";
import { type Augmentation, createImageTransform, cropPadding, noAugmentation, transformImage } from "./transform";

export interface PipelineConfig {
  batchSize: number;
  /** Output side in pixels (32 … 224); 32 means no resizing. */
  imageSize: number;
  augment: boolean;
  trainSubset: number | null;
  valSubset: number | null;
  seed: number;
  /** Batches prepared ahead of the consumer (default 1). */
  prefetch?: number;
  /**
   * Where upsampling runs. "backend" (default): augmentation and normalisation on the host at
   * 32 px, then `tf.image.resizeBilinear(halfPixelCenters)` on the training backend, which skips
   * copying the 49× larger 224-px batch into backend memory (faster in bench/data-pipeline.ts).
   * "host": the same bilinear resize in TypeScript (transform.ts); both follow PyTorch's
   * F.interpolate(mode="bilinear", align_corners=False).
   */
  resize?: "backend" | "host";
}

/** A batch on the host, before it becomes tensors. `x` is NHWC float32, normalised, `side` px square. */
export interface HostBatch {
  x: Float32Array;
  side: number;
  labels: Int32Array;
  size: number;
}

export interface Batch {
  /** [size, imageSize, imageSize, 3] float32, ImageNet-normalised. */
  xs: tf.Tensor4D;
  /** [size] int32 class ids (what train/train-step.ts takes; one-hot is one op away). */
  ys: tf.Tensor1D;
  labels: Int32Array;
  size: number;
  dispose(): void;
}

export interface DataPipeline {
  numClasses: number;
  trainIndices: Int32Array;
  valIndices: Int32Array;
  batchSize: number;
  stepsPerEpoch: number;
  valSteps: number;
  /** Positions into the train split in `epoch`'s shuffled order (what trainBatches walks). */
  trainOrder(epoch: number): Int32Array;
  /** trainIndices[start … end), un-shuffled and never augmented (the frozen-prefix cache's input). */
  prepareTrainImages(start: number, end: number): HostBatch;
  /** Host-side batch `step` of `epoch` (shuffled, augmented if enabled); no tensors. */
  prepareTrainBatch(epoch: number, step: number): HostBatch;
  prepareValBatch(step: number): HostBatch;
  /** Tensors for a host batch (resized to imageSize on the backend when needed); caller disposes. */
  toBatch(host: HostBatch): Batch;
  /** Batches `fromStep` … of `epoch` (a run resumed mid-epoch skips the ones it already trained). */
  trainBatches(epoch: number, fromStep?: number): AsyncGenerator<Batch>;
  valBatches(): AsyncGenerator<Batch>;
}

export interface PipelineData {
  train: CifarSplit;
  /** The CIFAR test split, used for validation as in the study. */
  test: CifarSplit;
  numClasses: number;
}

/** Records `order[start … end)` of `split`, with one augmentation per image or none. */
interface BatchJob {
  split: CifarSplit;
  order: Int32Array;
  start: number;
  end: number;
  augs: Augmentation[] | null;
}

export function createDataPipeline(data: PipelineData, config: PipelineConfig): DataPipeline {
  const { batchSize, imageSize, seed, numClasses } = { ...config, numClasses: data.numClasses };
  const trainIndices = selectStratifiedSubset(data.train.labels, numClasses, config.trainSubset, seed, "trainSubset");
  const valIndices = selectStratifiedSubset(data.test.labels, numClasses, config.valSubset, seed, "valSubset");
  const hostSide = config.resize === "host" ? imageSize : imageSide;
  const transform = createImageTransform(hostSide);
  const imageFloats = hostSide * hostSide * imageChannels;
  let epochOrder: { epoch: number; order: Int32Array } | null = null;

  const orderFor = (epoch: number): Int32Array => {
    if (epochOrder?.epoch !== epoch) epochOrder = { epoch, order: shuffleForEpoch(trainIndices, seed, epoch) };
    return epochOrder.order;
  };

  const build = (job: BatchJob): HostBatch => {
    const size = job.end - job.start;
    const x = new Float32Array(size * imageFloats);
    const labels = new Int32Array(size);
    for (let k = 0; k < size; k++) {
      const idx = job.order[job.start + k]!;
      labels[k] = job.split.labels[idx]!;
      transformImage(
        transform,
        job.split.images,
        idx * pixelBytes,
        job.augs?.[k] ?? noAugmentation,
        x,
        k * imageFloats,
      );
    }
    return { x, side: hostSide, labels, size };
  };

  const prepareTrainBatch = (epoch: number, step: number): HostBatch => {
    const order = orderFor(epoch);
    const start = step * batchSize;
    const end = Math.min(start + batchSize, order.length);
    let augs: Augmentation[] | null = null;
    if (config.augment) {
      // Seeded per (epoch, step), so a batch is the same whatever order batches are prepared in.
      const rng = createRng(deriveSeed(seed, "augment", epoch, step));
      augs = Array.from({ length: end - start }, () => ({
        cropX: randomInt(rng, 2 * cropPadding + 1),
        cropY: randomInt(rng, 2 * cropPadding + 1),
        flip: rng() < 0.5,
      }));
    }
    return build({ split: data.train, order, start, end, augs });
  };

  const prepareValBatch = (step: number): HostBatch => {
    const start = step * batchSize;
    const end = Math.min(start + batchSize, valIndices.length);
    return build({ split: data.test, order: valIndices, start, end, augs: null });
  };

  const toBatch = (host: HostBatch): Batch => {
    const xs = tf.tidy(() => {
      const x = tf.tensor4d(host.x, [host.size, host.side, host.side, imageChannels], "float32");
      return host.side === imageSize ? x : tf.image.resizeBilinear(x, [imageSize, imageSize], false, true);
    });
    const ys = tf.tensor1d(host.labels, "int32");
    return {
      xs,
      ys,
      labels: host.labels,
      size: host.size,
      dispose() {
        xs.dispose();
        ys.dispose();
      },
    };
  };

  const stepsPerEpoch = Math.ceil(trainIndices.length / batchSize);
  const valSteps = Math.ceil(valIndices.length / batchSize);
  const depth = Math.max(1, config.prefetch ?? 1);

  return {
    numClasses,
    trainIndices,
    valIndices,
    batchSize,
    stepsPerEpoch,
    valSteps,
    trainOrder: orderFor,
    prepareTrainImages: (start, end) =>
      build({ split: data.train, order: trainIndices, start, end: Math.min(end, trainIndices.length), augs: null }),
    prepareTrainBatch,
    prepareValBatch,
    toBatch,
    trainBatches: (epoch, fromStep = 0) =>
      prefetchBatches(fromStep, stepsPerEpoch, depth, (s) => prepareTrainBatch(epoch, s), toBatch),
    valBatches: () => prefetchBatches(0, valSteps, depth, prepareValBatch, toBatch),
  };
}

/**
 * Yields batch s while batch s+1 (… s+depth) is being prepared: preparation runs from the event
 * loop (setImmediate), i.e. while the consumer awaits its training step.
 */
async function* prefetchBatches(
  first: number,
  steps: number,
  depth: number,
  prepare: (step: number) => HostBatch,
  toBatch: (host: HostBatch) => Batch,
): AsyncGenerator<Batch> {
  const queue: Promise<HostBatch>[] = [];
  let next = first;
  const schedule = () => {
    while (queue.length < depth && next < steps) {
      const step = next++;
      const job = new Promise<HostBatch>((resolve, reject) =>
        setImmediate(() => {
          try {
            resolve(prepare(step));
          } catch (err) {
            reject(err);
          }
        }),
      );
      job.catch(() => undefined); // surfaced when awaited below, not as an unhandled rejection
      queue.push(job);
    }
  };
  schedule();
  while (queue.length > 0) {
    const host = await queue.shift()!;
    schedule();
    yield toBatch(host);
  }
}
