// convex/browser (the `convex` npm package) against a deployment: HTTP and WebSocket query and mutation
// round trips, and the errors for functions that do not exist. Prints one JSON report on stdout.
// Usage: node browser_round_trips.mjs <deployment url> <admin key> <table>
import { ConvexClient, ConvexHttpClient } from "convex/browser";

const [url, adminKey, table] = process.argv.slice(2);
const SIZE = "_system/cli/tableSize:default";
const ADD = "_system/frontend/addDocument";
const report = {};

async function failure(call) {
  try {
    await call();
    return null;
  } catch (error) {
    return String(error.message ?? error);
  }
}

function withDeadline(promise, what) {
  // A mutation the server never answers would hang: fail it, saying which.
  return Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer to ${what}`)), 15000))]);
}

const http = new ConvexHttpClient(url);
http.setAdminAuth(adminKey);
report.httpSizeBefore = await http.query(SIZE, { tableName: table });
report.httpMutation = await http.mutation(ADD, { table, documents: [{ via: "http" }] });
report.httpSizeAfter = await http.query(SIZE, { tableName: table });
report.httpMissingQuery = await failure(() => http.query("messages:list", {}));
report.httpMissingMutation = await failure(() => http.mutation("messages:send", {}));

const ws = new ConvexClient(url);
ws.setAdminAuth(adminKey);
report.wsSizeBefore = await withDeadline(ws.query(SIZE, { tableName: table }), "the WebSocket query");
report.wsMutation = await withDeadline(ws.mutation(ADD, { table, documents: [{ via: "websocket" }] }), "the WebSocket mutation");
report.wsSizeAfter = await withDeadline(ws.query(SIZE, { tableName: table }), "the second WebSocket query");
report.wsMissingQuery = await failure(() => withDeadline(ws.query("messages:list", {}), "a missing query"));
report.wsMissingMutation = await failure(() => withDeadline(ws.mutation("messages:send", {}), "a missing mutation"));
report.wsMissingAction = await failure(() => withDeadline(ws.action("messages:notify", {}), "a missing action"));
await ws.close();
console.log(JSON.stringify(report));
