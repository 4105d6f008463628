export * from "./agents";
export * from "./auth";
export * from "./epoch-metrics";
export * from "./projects";
export * from "./run-events";
export * from "./runs";
export * from "./shares";
