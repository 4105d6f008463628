// A second process for the PGlite lock test: try to open the folder given as argv[2] with openDb and
// report what happened as one JSON line (exit 0 opened, 3 refused).
import { openDb } from "../client";

const dir = process.argv[2];
if (!dir) throw new Error("usage: open-pglite-child.ts DIR");
try {
  const handle = await openDb({ PGLITE_DIR: dir });
  console.log(JSON.stringify({ opened: true, pid: process.pid }));
  await handle.close();
} catch (err) {
  const { code, message } = err as { code?: string; message: string };
  console.log(JSON.stringify({ opened: false, pid: process.pid, code, message }));
  process.exitCode = 3;
}
