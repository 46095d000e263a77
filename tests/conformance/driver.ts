/**
 * The client under test for the MCP conformance suite's client scenarios: an
 * SDK client that reaches the scenario server through the real proxy, over
 * stdio, as an MCP client would. The suite runs it as `driver.ts <url>` with
 * the scenario in `MCP_CONFORMANCE_SCENARIO` and the revision in
 * `MCP_CONFORMANCE_PROTOCOL_VERSION`: the SDK 1.x client for 2025-era
 * revisions, the SDK 2.x client pinned to 2026-07-28 for that one.
 * `tests/conformance/run.sh` drives it.
 *
 * @module
 */
import { Client as ModernClient } from "@modelcontextprotocol/client";
import { StdioClientTransport as ModernStdioClientTransport } from "@modelcontextprotocol/client/stdio";
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
const proxy = {
  command: Deno.execPath(),
  args: proxyCommand(url, home.home, [...BACKEND_SCOPE, "--allow-write"]),
  env: proxyEnv(home.home),
  stderr: "inherit" as const,
  cwd: REPO_ROOT,
};
const elicitation = scenario === "elicitation-sep1034-client-defaults";
const info = { name: "aws-mcp-proxy-conformance", version: "1.0.0" };
const modern = Deno.env.get("MCP_CONFORMANCE_PROTOCOL_VERSION") === "2026-07-28";
/** What the driver asks of either SDK line's client. */
interface DriverClient {
  connect(transport: never): Promise<void>;
  listTools(): Promise<{ tools: { name: string; inputSchema?: unknown }[] }>;
  callTool(params: { name: string; arguments: Record<string, unknown> }): Promise<unknown>;
  close(): Promise<void>;
}
let client: DriverClient;
let transport: unknown;
if (modern) {
  const pinned = new ModernClient(info, {
    capabilities: { elicitation: { form: {} } },
    versionNegotiation: { mode: "pin", pin: "2026-07-28" },
  } as never);
  // Input-required results are fulfilled by the client itself, with this handler.
  pinned.setRequestHandler(
    "elicitation/create" as never,
    (() => ({
      action: "accept",
      content: {},
    })) as never,
  );
  client = pinned as unknown as DriverClient;
  transport = new ModernStdioClientTransport(proxy);
} else {
  const legacy = new Client(info, {
    capabilities: elicitation ? { elicitation: { form: { applyDefaults: true } } } : {},
  });
  if (elicitation) {
    legacy.setRequestHandler(ElicitRequestSchema, () => ({ action: "accept", content: {} }));
  }
  client = legacy as unknown as DriverClient;
  transport = new StdioClientTransport(proxy);
}
const call = { "tools_call": "add_numbers", "sse-retry": "test_reconnection" }[scenario] ??
  (elicitation ? "test_client_elicitation_defaults" : undefined);
let code = 0;
try {
  await client.connect(transport as never);
  const { tools } = await client.listTools();
  if (call && tools.some((t) => t.name === call)) {
    await client.callTool({ name: call, arguments: call === "add_numbers" ? { a: 5, b: 3 } : {} });
  }
  // Multi-round-trip requests (SEP-2322): every such tool at once, so state cannot leak between them.
  const rounds = tools.filter((t) => t.name.startsWith("test_mrtr"));
  if (scenario === "sep-2322-client-request-state") {
    // allSettled: the SDK client itself rejects the answer the scenario sends without a
    // resultType; the suite judges what crossed the wire.
    await Promise.allSettled(rounds.map((t) => client.callTool({ name: t.name, arguments: {} })));
  }
  // The JSON Schema scenarios: send the focal tool's inputSchema back as the client received it,
  // so the server can tell whether it crossed the proxy (both ways) unchanged.
  const focal = tools.find((t) => t.name !== "json_schema_echo") as
    | { inputSchema?: unknown }
    | undefined;
  if (scenario.startsWith("json-schema-") && tools.some((t) => t.name === "json_schema_echo")) {
    await client.callTool({ name: "json_schema_echo", arguments: { schema: focal?.inputSchema } });
  }
} catch (error) {
  Deno.stderr.writeSync(new TextEncoder().encode(`driver: ${error}\n`));
  code = 1;
} finally {
  await client.close().catch(() => {});
  await home.remove();
}
Deno.exit(code);
