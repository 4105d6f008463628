export * from "./fixtures";
export * from "./test-db";
export * from "./ws-pg-proxy";
