/**
 * The demo: starts the local SigV4-verifying MCP server, starts the real
 * proxy against it with the AWS documentation's example keys and the scoped
 * permissions users give it, and shows what an MCP client sees.
 *
 * ```sh
 * deno task demo
 * ```
 *
 * @module
 */
import { startBackend } from "../tests/fixtures/backend.ts";
import {
  BACKEND_SCOPE,
  connectThroughProxy,
  proxyCommand,
} from "../tests/fixtures/proxy_process.ts";

const SCOPE = [...BACKEND_SCOPE];

const out = (line = "") => Deno.stdout.writeSync(new TextEncoder().encode(`${line}\n`));

const backend = startBackend({ service: "execute-api", region: "us-east-1" });
out(`Backend: ${backend.url} (checks every SigV4 signature; example keys AKIDEXAMPLE)`);
out(`Proxy:   deno ${proxyCommand(backend.url, "$HOME", SCOPE).join(" ")}`);
out();

const run = await connectThroughProxy(backend.url, { args: SCOPE });
try {
  const { tools } = await run.client.listTools();
  out(`tools/list (read-only mode): ${tools.length} tools`);
  for (const tool of tools) out(`  - ${tool.name}: ${tool.description ?? ""}`);
  out();

  const result = await run.client.callTool({ name: "add", arguments: { a: 2, b: 40 } });
  out(`tools/call add {a: 2, b: 40} -> ${JSON.stringify(result.content)}`);

  try {
    await run.client.callTool({ name: "write_note", arguments: { note: "hello" } });
    out("tools/call write_note -> allowed (unexpected)");
  } catch (error) {
    out(`tools/call write_note -> refused: ${error instanceof Error ? error.message : error}`);
  }
  out();
  out(
    `Signed requests the backend verified: ${
      backend.seen.filter((r) => r.verified).length
    } of ${backend.seen.length}`,
  );
  out();
  out("Proxy log (stderr):");
  for (const line of run.stderr().trim().split("\n")) out(`  ${line}`);
} finally {
  await run.close();
  await backend.close();
}
