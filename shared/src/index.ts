export * from "./api";
export * from "./metrics";
export * from "./model-analysis";
export * from "./presets";
export * from "./protocol";
export * from "./resnet-arch";
export * from "./run-config";
export * from "./run-status";
