/** ResNet depth table (torchvision): bottleneck blocks per stage. */
export const resnetDepths = {
  resnet50: [3, 4, 6, 3],
  resnet101: [3, 4, 23, 3],
  resnet152: [3, 8, 36, 3],
} as const satisfies Record<string, readonly [number, number, number, number]>;

export type ResnetArch = keyof typeof resnetDepths;
export const resnetArchs = Object.keys(resnetDepths) as ResnetArch[];

/** Block names in torchvision's state_dict order: `layer1.0` … `layer4.2` for ResNet-152. */
export function blockNames(arch: ResnetArch = "resnet152"): string[] {
  return resnetDepths[arch].flatMap((n, stage) => Array.from({ length: n }, (_, b) => `layer${stage + 1}.${b}`));
}
