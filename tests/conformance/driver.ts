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
    capabilities: { elicitation: { form: {} }, sampling: {}, roots: { listChanged: true } },
    versionNegotiation: { mode: "pin", pin: "2026-07-28" },
  } as never);
  // Input-required results are fulfilled by the client itself, with these handlers.
  const answers: Record<string, unknown> = {
    "elicitation/create": { action: "accept", content: {} },
    "sampling/createMessage": {
      role: "assistant",
      content: { type: "text", text: "sampled" },
      model: "conformance-driver",
    },
    "roots/list": { roots: [{ uri: "file:///tmp", name: "tmp" }] },
  };
  for (const [method, answer] of Object.entries(answers)) {
    pinned.setRequestHandler(method as never, (() => answer) as never);
  }
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
/** What the suite passes in `MCP_CONFORMANCE_CONTEXT`; only the part the driver uses. */
interface ScenarioContext {
  toolCalls?: { name: string; arguments: Record<string, unknown> }[];
}
const context = JSON.parse(Deno.env.get("MCP_CONFORMANCE_CONTEXT") ?? "{}") as ScenarioContext;
/** The tools of http-invalid-tool-headers whose x-mcp-header declarations are invalid. */
const INVALID_HEADER_TOOLS = [
  "invalid_empty_header",
  "invalid_object_header",
  "invalid_array_header",
  "invalid_null_header",
  "invalid_number_header",
  "invalid_duplicate_same_case",
  "invalid_duplicate_diff_case",
  "invalid_space_in_name",
  "invalid_colon_in_name",
  "invalid_non_ascii_name",
  "invalid_control_char_name",
];
/** The part of a tool result that tells a refusal. */
type Refusal = { isError?: boolean };
let code = 0;
try {
  await client.connect(transport as never);
  const { tools } = await client.listTools();
  if (call && tools.some((t) => t.name === call)) {
    await client.callTool({ name: call, arguments: call === "add_numbers" ? { a: 5, b: 3 } : {} });
  }
  // The calls a scenario names in its context (http-custom-headers: the x-mcp-header tools with
  // values that need each encoding), made as the scenario gives them.
  for (const { name, arguments: args } of context.toolCalls ?? []) {
    await client.callTool({ name, arguments: args });
  }
  // http-invalid-tool-headers: the one valid tool, then, as an attacker would, every tool the
  // proxy left out, by name; each must be refused before it reaches the server.
  if (scenario === "http-invalid-tool-headers") {
    await client.callTool({ name: "valid_tool", arguments: { region: "us-west1" } });
    const hidden = INVALID_HEADER_TOOLS.filter((name) => !tools.some((t) => t.name === name));
    if (hidden.length !== INVALID_HEADER_TOOLS.length) {
      throw new Error(`the proxy listed tools with invalid x-mcp-header declarations`);
    }
    const calls = hidden.map((name) => client.callTool({ name, arguments: { value: "x" } }));
    const outcomes = await Promise.allSettled(calls);
    if (outcomes.some((o) => o.status === "fulfilled" && !(o.value as Refusal).isError)) {
      throw new Error("the proxy forwarded a call to a tool it had left out");
    }
  }
  // http-standard-headers: every method whose Mcp-Method / Mcp-Name headers it checks.
  if (scenario === "http-standard-headers") {
    for (const tool of tools) await client.callTool({ name: tool.name, arguments: {} });
    const modernClient = client as unknown as ModernClient;
    const { resources } = await modernClient.listResources();
    for (const { uri } of resources) await modernClient.readResource({ uri });
    const { prompts } = await modernClient.listPrompts();
    for (const { name } of prompts) await modernClient.getPrompt({ name });
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
