/** Where the e2e server listens; the config starts it there and the helpers send its origin. */
export const e2ePort = Number(process.env.AI623_E2E_PORT ?? 3210);
export const e2eBaseURL = `http://127.0.0.1:${e2ePort}`;
