/**
 * The proxy in front of a real MCP server no one here wrote:
 * `npm:@modelcontextprotocol/server-everything` in Streamable HTTP mode,
 * forced onto 127.0.0.1. What a client sees through the proxy (with
 * `--allow-write`) must equal what it sees directly.
 */
import { assert, assertEquals } from "./assert.ts";
import { Client as ModernClient } from "@modelcontextprotocol/client";
import { StdioClientTransport as ModernStdioClientTransport } from "@modelcontextprotocol/client/stdio";
import {
  BACKEND_SCOPE,
  collectStderr,
  connectThroughProxy,
  discoverProbeLine,
  INITIALIZED_LINE,
  initializeLine,
  makeAwsHome,
  proxyServerParams,
  REPO_ROOT,
  spawnRawProxy,
  toolCallLine,
  withProxyStderr,
} from "./fixtures/proxy_process.ts";
import {
  Client,
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
} from "./fixtures/sdk.ts";
import { StreamableHTTPClientTransport } from "../src/mcp_sdk.ts";
import { startServerProcess } from "./fixtures/server_process.ts";

async function startServerEverything(
  port = freePort(),
): Promise<{ url: URL; stop: () => Promise<void> }> {
  const server = await startServerProcess({
    args: [
      "run",
      "--quiet",
      "--allow-net=127.0.0.1",
      "--allow-env",
      "--allow-read",
      "--allow-sys",
      "--preload",
      `${REPO_ROOT}tests/fixtures/loopback_only.ts`,
      `${REPO_ROOT}tests/fixtures/server_everything.ts`,
      "streamableHttp",
    ],
    env: { PORT: String(port) },
    readyOn: "stderr",
    ready: /listening on port/,
  });
  return { url: new URL(`http://127.0.0.1:${port}/mcp`), stop: server.stop };
}

function freePort(): number {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  return port;
}

function prepare(client: Client): void {
  client.setRequestHandler(CreateMessageRequestSchema, () => ({
    role: "assistant",
    content: { type: "text", text: "sampled" },
    model: "test-model",
  }));
  client.setRequestHandler(ElicitRequestSchema, () => ({ action: "decline" }));
  client.setRequestHandler(
    ListRootsRequestSchema,
    () => ({ roots: [{ uri: "file:///work", name: "work" }] }),
  );
}

const CAPABILITIES = {
  capabilities: { sampling: {}, elicitation: {}, roots: { listChanged: true } },
};

Deno.test("server-everything: every flow it offers passes through unchanged", async () => {
  const server = await startServerEverything();
  const direct = new Client({ name: "direct", version: "1" }, CAPABILITIES);
  prepare(direct);
  await direct.connect(new StreamableHTTPClientTransport(server.url));
  const run = await connectThroughProxy(server.url, {
    args: ["--service", "execute-api", "--region", "us-east-1", "--allow-write"],
    prepare,
    capabilities: CAPABILITIES,
  });
  const proxied = run.client;
  try {
    assertEquals(proxied.getServerVersion(), direct.getServerVersion());
    assertEquals(proxied.getServerCapabilities(), direct.getServerCapabilities());
    const [directTools, proxiedTools] = [await direct.listTools(), await proxied.listTools()];
    assertEquals(proxiedTools, directTools);
    assert(proxiedTools.tools.length >= 10);
    assertEquals(await proxied.listResources(), await direct.listResources());
    assertEquals(await proxied.listResourceTemplates(), await direct.listResourceTemplates());
    assertEquals(await proxied.listPrompts(), await direct.listPrompts());

    const calls: [string, Record<string, unknown>][] = [
      ["echo", { message: "through the proxy" }],
      ["get-sum", { a: 20, b: 22 }],
      ["get-tiny-image", {}],
      ["get-structured-content", { location: "New York" }],
      ["get-annotated-message", { messageType: "error", includeImage: false }],
      ["get-resource-links", { count: 2 }],
    ];
    for (const [name, args] of calls) {
      assertEquals(
        await proxied.callTool({ name, arguments: args }),
        await direct.callTool({ name, arguments: args }),
        name,
      );
    }
    const sampled = await proxied.callTool({
      name: "trigger-sampling-request",
      arguments: { prompt: "hi", maxTokens: 10 },
    });
    assert(JSON.stringify(sampled).includes("sampled"), "sampling went to the client and back");
    const roots = await proxied.callTool({ name: "get-roots-list", arguments: {} });
    assert(
      JSON.stringify(roots).includes("file:///work"),
      "roots/list went to the client and back",
    );
    const firstResource = (await proxied.listResources()).resources[0]!;
    assertEquals(
      await proxied.readResource({ uri: firstResource.uri }),
      await direct.readResource({ uri: firstResource.uri }),
    );
    await proxied.setLoggingLevel("info");
    await proxied.ping();
  } catch (error) {
    throw withProxyStderr(error, run.stderr());
  } finally {
    await run.close();
    await direct.close();
    await server.stop();
  }
});

Deno.test("server-everything restarted under the proxy: its 400 for the lost session is recovered, unseen by the client", async () => {
  let server = await startServerEverything();
  const run = await connectThroughProxy(server.url, {
    args: ["--service", "execute-api", "--region", "us-east-1", "--allow-write"],
  });
  try {
    const echo = (message: string) => run.client.callTool({ name: "echo", arguments: { message } });
    assertEquals((await echo("before")).content, [{ type: "text", text: "Echo: before" }]);
    await server.stop();
    server = await startServerEverything(Number(server.url.port));
    assertEquals((await echo("after")).content, [{ type: "text", text: "Echo: after" }]);
    assert(/starting a new one/.test(run.stderr()), run.stderr());
  } catch (error) {
    throw withProxyStderr(error, run.stderr());
  } finally {
    await run.close();
    await server.stop();
  }
});

Deno.test("server-everything: an SDK 2.x client in auto mode probes a throwaway proxy with server/discover, then falls back to initialize", async () => {
  const server = await startServerEverything();
  const home = await makeAwsHome();
  // The SDK spawns a sibling proxy from these same parameters for its server/discover probe.
  const transport = new ModernStdioClientTransport(
    proxyServerParams(server.url, home.home, BACKEND_SCOPE),
  );
  const stderr = collectStderr(transport);
  const client = new ModernClient(
    { name: "auto", version: "1" },
    { versionNegotiation: { mode: "auto" } } as never,
  );
  try {
    await client.connect(transport);
    assertEquals(client.getNegotiatedProtocolVersion(), "2025-11-25");
    const tools = (await client.listTools()).tools;
    assert(tools.length > 0 && tools.every((t) => t.annotations?.readOnlyHint === true));
    const echo = await client.callTool({ name: "echo", arguments: { message: "auto" } });
    assert(JSON.stringify(echo.content).includes("auto"));
  } catch (error) {
    throw withProxyStderr(error, stderr());
  } finally {
    await client.close();
    await home.remove();
    await server.stop();
  }
});

Deno.test("server-everything: a client that probes with server/discover in the same process, then falls back to initialize, can call tools (the Python SDK's auto mode)", async () => {
  const server = await startServerEverything();
  const home = await makeAwsHome();
  const proxy = spawnRawProxy(server.url, home.home, BACKEND_SCOPE);
  let failure: unknown;
  try {
    // The probe the Python SDK's Client sends in its default auto mode, then its fallback.
    await proxy.send(discoverProbeLine(0));
    assert((await proxy.next()).error, "server-everything refuses the probe");
    await proxy.send(initializeLine(1));
    assertEquals((await proxy.next()).id, 1);
    await proxy.send(INITIALIZED_LINE);
    await proxy.send(JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" }));
    const listed = await proxy.next();
    assert((listed.result as { tools: unknown[] }).tools.length > 0, JSON.stringify(listed));
    await proxy.send(toolCallLine(3, "echo", { message: "after the probe" }));
    const echo = await proxy.next();
    assert(JSON.stringify(echo.result).includes("after the probe"), JSON.stringify(echo));
  } catch (error) {
    failure = error;
  }
  const out = await proxy.finish();
  await home.remove();
  await server.stop();
  if (failure) throw withProxyStderr(failure, out.stderr);
});
