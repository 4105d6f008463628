declare const AI623_AGENT_VERSION: string | undefined;

/** Set by the bundler from package.json; "dev" when run from source. */
export const agentVersion: string = typeof AI623_AGENT_VERSION === "string" ? AI623_AGENT_VERSION : "dev";
