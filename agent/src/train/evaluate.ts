// The validation pass of an epoch, apart from training: eval mode, no gradients, stoppable per batch.
import * as tf from "@tensorflow/tfjs";
import type { BatchSource } from "./prefix-cache";
import type { TrainRunOptions } from "./train-run";
import { crossEntropy } from "./train-step";

/** Validation in eval mode (BatchNorm on running statistics), as the study's model.eval() pass. */
export async function evaluate(
  opt: Pick<TrainRunOptions, "onStep">,
  /** the whole ResNet on images, or its suffix on cached prefix outputs */
  model: tf.LayersModel,
  pipeline: BatchSource,
  epoch: number,
  checkStop: () => void,
  /** images per forward pass (the memory plan's); predict frees each layer's input once it is used */
  inferenceBatchSize = 32,
): Promise<{ loss: number; acc: number }> {
  let seen = 0;
  let lossSum = 0;
  let hits = 0;
  let s = 0;
  for await (const batch of pipeline.valBatches()) {
    try {
      checkStop();
      const [loss, correct] = tf.tidy(() => {
        const logits = model.predict(batch.xs, { batchSize: inferenceBatchSize }) as tf.Tensor2D;
        const right = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), batch.ys), "float32"));
        return [crossEntropy(logits, batch.ys), right];
      });
      const [l, c] = await Promise.all([loss.data(), correct.data()]);
      tf.dispose([loss, correct]);
      lossSum += l[0]! * batch.size;
      hits += c[0]!;
      seen += batch.size;
    } finally {
      batch.dispose();
    }
    s++;
    opt.onStep?.({ phase: "val", epoch, step: s, steps: pipeline.valSteps, loss: lossSum / seen, imagesPerSec: 0 });
  }
  return { loss: lossSum / seen, acc: hits / seen };
}
