export { formatEfficiency } from "./format";
export * from "./input";
export * from "./markdown";
export * from "./report";
export { computeEfficiency, findConvergenceEpoch, findParetoFront, smoothEma } from "./stats";
export * from "./types";
