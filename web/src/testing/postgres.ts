import { randomBytes } from "node:crypto";
import pg from "pg";

/** Creates an empty database next to the one TEST_PG_URL names; returns its URL. */
export async function createTestDatabase(serverUrl: string, label: string): Promise<string> {
  const name = `ai623_${label}_${randomBytes(6).toString("hex")}`;
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
