// Child-process half of wasm-threads.test.ts: the thread count is fixed when the wasm module is
// instantiated, so 1 vs N threads needs two processes. Runs a tiny conv net forward and one SGD step
// and prints the thread count and a hash of every output bit.
//   node --import tsx agent/src/backend/wasm-threads-check.ts <threads>
import { createHash } from "node:crypto";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "./init";

function hashOf(values: Float32Array[]): string {
  const h = createHash("sha256");
  for (const v of values) h.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  return h.digest("hex");
}

async function main(): Promise<void> {
  const init = await initBackend("wasm", { wasmThreads: Number(process.argv[2] ?? "1") });
  const x = tf.randomNormal([8, 24, 24, 8], 0, 1, "float32", 1) as tf.Tensor4D;
  const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], "int32"), 10);
  const w1 = tf.variable(
    tf.randomNormal([3, 3, 8, 32], 0, 0.1, "float32", 2) as tf.Tensor4D,
  ) as tf.Variable<tf.Rank.R4>;
  const w2 = tf.variable(tf.randomNormal([3, 3, 32, 32], 0, 0.1, "float32", 3) as tf.Tensor4D);
  const w3 = tf.variable(tf.randomNormal([32, 10], 0, 0.1, "float32", 4) as tf.Tensor2D);
  const forward = () => {
    const h1 = tf.relu(tf.conv2d(x, w1, 1, "same"));
    const h2 = tf.relu(tf.conv2d(h1, w2, 2, "same"));
    return tf.matMul(tf.mean(h2, [1, 2]) as tf.Tensor2D, w3);
  };
  const logits = forward();
  const out = [await logits.data<"float32">()];
  const optimizer = tf.train.sgd(0.1);
  const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels, forward()), true);
  out.push(
    (await loss?.data<"float32">()) ?? new Float32Array(),
    ...(await Promise.all([w1, w2, w3].map((v) => v.data<"float32">()))),
  );
  console.log(`AI623_CHECK ${JSON.stringify({ ...init, hash: hashOf(out as Float32Array[]) })}`);
}

await main();
