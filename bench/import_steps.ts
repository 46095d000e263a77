/**
 * Imports what the proxy loads at start, one group at a time, and prints
 * the milliseconds each took as JSON: the import cost per module that
 * `bench/run.ts` reports (run in a fresh process each time, as a client's
 * launch is).
 *
 * ```sh
 * deno run --allow-read --allow-env bench/import_steps.ts
 * ```
 *
 * @module
 */
const steps: [string, () => Promise<unknown>][] = [
  [
    "MCP SDK client 2.x (types, schemas, Streamable HTTP client)",
    () => import("../src/mcp_sdk.ts"),
  ],
  ["@smithy/signature-v4", () => import("@smithy/signature-v4")],
  ["@aws-sdk/credential-providers", () => import("@aws-sdk/credential-providers")],
  ["the proxy's own modules (mod.ts)", () => import("../mod.ts")],
  [
    "Ajv, loaded on the first tools/call",
    () => import("@modelcontextprotocol/client/validators/ajv"),
  ],
];
const costs: Record<string, number> = {};
for (const [name, load] of steps) {
  const started = performance.now();
  await load();
  costs[name] = performance.now() - started;
}
Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(costs)));
