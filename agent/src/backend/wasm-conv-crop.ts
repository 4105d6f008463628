// Forward convolutions on wasm over the filter taps that read real input only (tapWindow in
// wasm-kernel-util.ts). tfjs-backend-wasm transposes and packs every new filter for XNNPACK before it
// convolves, and in training every step brings new filters; on a 1×1 map (ResNet's layer4 at 32 px)
// eight of a 3×3 filter's nine taps multiply padding, so handing XNNPACK the centre tap alone does
// a ninth of that work for the same output. Other convolutions go to the backend's kernel unchanged.
import * as tf from "@tensorflow/tfjs";
import {
  cropFilter,
  croppedPadding,
  type Kernel,
  type TensorInfo,
  tapWindow,
  type WasmBackend,
} from "./wasm-kernel-util";

interface Args {
  inputs: { x: TensorInfo; filter: TensorInfo } & Record<string, TensorInfo>;
  backend: WasmBackend;
  attrs: {
    strides: [number, number] | number;
    pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
    dilations?: [number, number] | number;
    dataFormat?: string;
    dimRoundingMode?: "floor" | "round" | "ceil";
  } & Record<string, unknown>;
}

function croppingConv(original: Kernel, args: Args): TensorInfo {
  const { inputs, backend, attrs } = args;
  const dilations = attrs.dilations ?? 1;
  const undilated = dilations === 1 || (Array.isArray(dilations) && dilations.every((d) => d === 1));
  if (!undilated || (attrs.dataFormat && attrs.dataFormat !== "NHWC")) return original(args);
  const info = tf.backend_util.computeConv2DInfo(
    inputs.x.shape as [number, number, number, number],
    inputs.filter.shape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    "channelsLast",
  );
  const win = tapWindow(info);
  if (!win.cropped) return original(args);
  const filter = cropFilter(backend, inputs.filter, win);
  try {
    return original({
      inputs: { ...inputs, filter },
      backend,
      attrs: { ...attrs, pad: croppedPadding(info, win), dimRoundingMode: undefined },
    } as Args);
  } finally {
    backend.disposeData(filter.dataId);
  }
}

/** Wraps the wasm backend's Conv2D and FusedConv2D kernels. Idempotent. */
export function registerWasmConvTapCrop(): void {
  for (const kernelName of ["Conv2D", "FusedConv2D"]) {
    const current = tf.getKernel(kernelName, "wasm");
    if (!current || (current.kernelFunc as { cropping?: boolean }).cropping) continue;
    const original = current.kernelFunc as unknown as Kernel;
    const kernelFunc = Object.assign((args: Args) => croppingConv(original, args), { cropping: true });
    tf.unregisterKernel(kernelName, "wasm");
    tf.registerKernel({
      kernelName,
      backendName: "wasm",
      setupFunc: current.setupFunc,
      kernelFunc: kernelFunc as unknown as tf.KernelFunc,
    });
  }
}
