export { formatEfficiency } from "./format";
export * from "./input";
export * from "./markdown";
export * from "./report";
export { findTradeOff, type TradeOff } from "./sections/efficiency";
export {
  computeEfficiency,
  findConvergenceEpoch,
  findParetoFront,
  type RunSummary,
  rankByBestValAcc,
  smoothEma,
  summarizeRun,
} from "./stats";
export * from "./types";
