/**
 * The client under test for the MCP conformance suite's client scenarios: an
 * SDK client that reaches the scenario server through the real proxy, over
 * stdio, as an MCP client would. The suite runs it as `driver.ts <url>` with
 * the scenario in `MCP_CONFORMANCE_SCENARIO`; `tests/conformance/run.sh`
 * drives it.
 *
 * @module
 */
import { Client, ElicitRequestSchema, StdioClientTransport } from "../fixtures/sdk.ts";
import {
  BACKEND_SCOPE,
  makeAwsHome,
  proxyCommand,
  proxyEnv,
  REPO_ROOT,
} from "../fixtures/proxy_process.ts";

const scenario = Deno.env.get("MCP_CONFORMANCE_SCENARIO") ?? "";
// The suite names its servers by localhost; they listen on 127.0.0.1 (see loopback.cjs).
const url = new URL((Deno.args[0] ?? "").replace("//localhost:", "//127.0.0.1:"));
const home = await makeAwsHome();
const transport = new StdioClientTransport({
  command: Deno.execPath(),
  args: proxyCommand(url, home.home, [...BACKEND_SCOPE, "--allow-write"]),
  env: proxyEnv(home.home),
  stderr: "inherit",
  cwd: REPO_ROOT,
});
const elicitation = scenario === "elicitation-sep1034-client-defaults";
const client = new Client(
  { name: "aws-mcp-proxy-conformance", version: "1.0.0" },
  { capabilities: elicitation ? { elicitation: { form: { applyDefaults: true } } } : {} },
);
if (elicitation) {
  client.setRequestHandler(ElicitRequestSchema, () => ({ action: "accept", content: {} }));
}
const call = { "tools_call": "add_numbers", "sse-retry": "test_reconnection" }[scenario] ??
  (elicitation ? "test_client_elicitation_defaults" : undefined);
let code = 0;
try {
  await client.connect(transport);
  const { tools } = await client.listTools();
  if (call && tools.some((t) => t.name === call)) {
    await client.callTool({ name: call, arguments: call === "add_numbers" ? { a: 5, b: 3 } : {} });
  }
} catch (error) {
  Deno.stderr.writeSync(new TextEncoder().encode(`driver: ${error}\n`));
  code = 1;
} finally {
  await client.close().catch(() => {});
  await home.remove();
}
Deno.exit(code);
