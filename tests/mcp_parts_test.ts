/**
 * The proxy core's parts, in process: the request table, the proxy's own
 * requests, the tool gate, and the relay between two fake transports.
 */
import { assert, assertEquals, assertRejects } from "./assert.ts";
import type { JSONRPCMessage, JSONRPCRequest, ListToolsResult, Tool } from "../src/mcp_sdk.ts";
import { createLogger } from "../src/log.ts";
import { McpProxy } from "../src/mcp/proxy.ts";
import { Exchange } from "../src/mcp/exchange.ts";
import { OwnRequests } from "../src/mcp/own_requests.ts";
import { RevisionBridge } from "../src/mcp/revision_bridge.ts";
import { RequestTable } from "../src/mcp/request_table.ts";
import { ToolGate } from "../src/mcp/tools/tool_gate.ts";
import { compileToolPolicy } from "../src/mcp/tools/tool_filter.ts";

const quiet = createLogger({ level: "error", write: () => {} });
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("a request leaves the table once, and its timer fires only while it is there", async () => {
  const table = new RequestTable({ timeoutMs: 20 });
  let timedOut = 0;
  table.track(1, "tools/call", () => timedOut++);
  table.track(2, "ping", () => timedOut++);
  assertEquals(table.take(1)?.method, "tools/call");
  assertEquals(table.take(1), undefined, "never twice");
  await new Promise((resolve) => setTimeout(resolve, 40));
  assertEquals(timedOut, 1, "only the request still in flight timed out");
  table.take(2);
});

Deno.test("the proxy's own requests are settled by their answers, and only theirs", async () => {
  const sent: JSONRPCRequest[] = [];
  const requests = new RequestTable({ timeoutMs: 1000 });
  const own = new OwnRequests({ requests, metadata: { AWS_REGION: "eu-west-1" } });
  await assertRejects(() => own.request("ping", {}), Error, "has not started");
  own.attach((request) => (sent.push(request), Promise.resolve()));
  const listed = own.listTools(undefined);
  const failed = own.request("tools/list", {});
  assertEquals(sent[0]!.params?._meta, { AWS_REGION: "eu-west-1" });
  assertEquals(
    own.settle({ jsonrpc: "2.0", id: 7, result: {} }),
    false,
    "a client id",
  );
  assert(
    own.settle({ jsonrpc: "2.0", id: sent[0]!.id, result: { tools: [] } }),
  );
  assertEquals(await listed, { tools: [] });
  own.settle({
    jsonrpc: "2.0",
    id: sent[1]!.id,
    error: { code: -32601, message: "no" },
  });
  await assertRejects(() => failed, Error, "no (code -32601)");
  const orphan = own.request("ping", {});
  assertEquals(requests.size, 1, "each in flight has its record in the one table");
  own.rejectAll("the proxy shut down");
  await assertRejects(() => orphan, Error, "the proxy shut down");
  assertEquals(requests.size, 0, "and leaves it once settled");
});

const tool = (name: string, readOnly?: boolean): Tool => ({
  name,
  inputSchema: { type: "object", properties: { n: { type: "number" } } },
  ...(readOnly === undefined ? {} : { annotations: { readOnlyHint: readOnly } }),
});

function gateOver(
  lists: ListToolsResult[],
  policy = compileToolPolicy({ allowWrite: false }),
) {
  let calls = 0;
  const gate = new ToolGate({
    policy,
    listPage: () => Promise.resolve(lists[Math.min(calls++, lists.length - 1)]!),
    timeoutMs: 1000,
    logger: quiet,
  });
  gate.initialized({ capabilities: { tools: {} } });
  return gate;
}

const call = (
  name: string,
  args: Record<string, unknown> = {},
): JSONRPCRequest => ({
  jsonrpc: "2.0",
  id: 1,
  method: "tools/call",
  params: { name, arguments: args },
});

Deno.test("the gate returns verdicts: allowed, hidden, or arguments that do not match", async () => {
  const gate = gateOver([{
    tools: [tool("read", true), tool("write", false)],
  }]);
  assertEquals(await gate.judge(call("read", { n: 1 })), undefined);
  const hidden = await gate.judge(call("write")) as {
    error: { message: string };
  };
  assert(hidden.error.message.includes('"write" is hidden'));
  const invalid = await gate.judge(call("read", { n: "x" })) as unknown as {
    result: { isError: boolean };
  };
  assertEquals(invalid.result.isError, true);
  assertEquals(gate.safeToRepeat(call("read")), true);
  assertEquals(gate.safeToRepeat(call("write")), false);
});

Deno.test("after a change the gate judges on the new list", async () => {
  const gate = gateOver([{ tools: [tool("flip", true)] }, {
    tools: [tool("flip", false)],
  }]);
  assertEquals(await gate.judge(call("flip")), undefined);
  gate.changed();
  assert(
    await gate.judge(call("flip")) !== undefined,
    "refused on the new list",
  );
  assertEquals(
    await gate.renewed(),
    false,
    "the visible tools did not change again",
  );
});

Deno.test("a tools/call notification is refused while a filter applies", () => {
  const notification: JSONRPCMessage = {
    jsonrpc: "2.0",
    method: "tools/call",
    params: {},
  };
  assertEquals(
    gateOver([{ tools: [] }]).refusesNotification(notification),
    true,
  );
  const open = gateOver(
    [{ tools: [] }],
    compileToolPolicy({ allowWrite: true }),
  );
  assertEquals(open.refusesNotification(notification), false);
});

/** A transport that records what it is sent and lets the test deliver messages. */
interface FakeTransport {
  sent: JSONRPCMessage[];
  onmessage?: (message: JSONRPCMessage) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onrenewing?: () => void;
  start(): Promise<void>;
  close(): Promise<void>;
  send(message: JSONRPCMessage): Promise<void>;
  setProtocolVersion(): void;
  abandon(): void;
  terminateSession(): Promise<void>;
}

function fakeTransport(): FakeTransport {
  const sent: JSONRPCMessage[] = [];
  const transport: FakeTransport = {
    sent,
    start: () => Promise.resolve(),
    close: () => Promise.resolve(),
    send: (message: JSONRPCMessage) => (sent.push(message), Promise.resolve()),
    setProtocolVersion: () => {},
    abandon: () => {},
    terminateSession: () => Promise.resolve(),
  };
  return transport;
}

/** A relay between two fake transports, with its table, its own requests and its gate. */
function relay(options: { timeoutMs: number; allowWrite: boolean }) {
  const local = fakeTransport();
  const remote = fakeTransport();
  const requests = new RequestTable({ timeoutMs: options.timeoutMs });
  const own = new OwnRequests({ requests, metadata: {} });
  const gate = new ToolGate({
    policy: compileToolPolicy({ allowWrite: options.allowWrite }),
    listPage: own.listTools,
    timeoutMs: options.timeoutMs,
    logger: quiet,
  });
  const proxy = new McpProxy({
    local,
    remote,
    requests,
    own,
    gate,
    bridge: new RevisionBridge({ toClient: (message) => local.send(message), describe: String }),
    metadata: {},
    explain: (error) => ({ message: String(error) }),
    logger: quiet,
  });
  return { local, remote, requests, own, proxy };
}

Deno.test("the relay holds what comes before the initialize answer, and the gate's refusals never leave", async () => {
  const { local, remote, proxy } = relay({ timeoutMs: 1000, allowWrite: false });
  await proxy.start();
  local.onmessage!({ jsonrpc: "2.0", id: 1, method: "initialize", params: {} });
  local.onmessage!({ jsonrpc: "2.0", id: 2, method: "ping" });
  assertEquals(remote.sent.map((m) => (m as { method: string }).method), [
    "initialize",
  ]);
  remote.onmessage!({
    jsonrpc: "2.0",
    id: 1,
    result: { capabilities: { tools: {} } },
  });
  assertEquals(remote.sent.map((m) => (m as { method: string }).method), [
    "initialize",
    "ping",
  ]);

  local.onmessage!({
    jsonrpc: "2.0",
    id: 3,
    method: "tools/call",
    params: { name: "write" },
  });
  await tick();
  const list = remote.sent.at(-1) as JSONRPCRequest;
  assertEquals(
    list.method,
    "tools/list",
    "the gate asks for the list with its own request",
  );
  remote.onmessage!({
    jsonrpc: "2.0",
    id: list.id,
    result: { tools: [tool("write", false)] },
  });
  await tick();
  await tick();
  assert(
    !remote.sent.some((m) => (m as { method?: string }).method === "tools/call"),
  );
  const refusal = local.sent.find((m) => (m as { id?: number }).id === 3) as {
    error: unknown;
  };
  assert(refusal.error !== undefined, "answered by the gate");
  await proxy.shutdown("test");
});

Deno.test("the table starts at most maxInFlight requests; the rest wait in order, and a place frees on every way out", () => {
  const table = new RequestTable({ timeoutMs: 10_000, maxInFlight: 2 });
  const started: number[] = [];
  for (const id of [1, 2, 3, 4, 5]) {
    table.track(id, "tools/call", () => {});
    assertEquals(table.admit(id, () => started.push(id)), true);
  }
  table.track(6, "subscriptions/listen", () => {});
  table.admit(6, () => started.push(6));
  assertEquals(started, [1, 2, 6], "open-ended requests take no place");
  assertEquals([table.isWaiting(3), table.waiting], [true, 3]);
  table.take(4); // cancelled while waiting: it never starts
  table.take(1); // answered: 3 starts
  assertEquals(started, [1, 2, 6, 3]);
  table.take(2);
  table.take(3);
  assertEquals(started, [1, 2, 6, 3, 5]);
  assertEquals(table.waiting, 0);
  for (const id of [7, 8]) table.track(id, "tools/call", () => {});
  table.admit(7, () => started.push(7));
  assertEquals(started.at(-1), 7, "a place freed by the last request is used");
  table.take(5);
  table.take(7);
  table.take(6);
});

Deno.test("the exchange settles once per client's choice: a probe makes it stateless, a later initialize a session", () => {
  const headers: string[] = [];
  const requests = new RequestTable({ timeoutMs: 1000 });
  const own = new OwnRequests({ requests, metadata: {} });
  const gate = new ToolGate({
    policy: compileToolPolicy({ allowWrite: false }),
    listPage: () => Promise.reject(new Error("no list in this test")),
    timeoutMs: 1000,
    logger: quiet,
  });
  const answers: JSONRPCMessage[] = [];
  const exchange = new Exchange({
    own,
    remote: { setProtocolVersion: (version) => void headers.push(version) },
    gate,
    bridge: new RevisionBridge({ toClient: () => Promise.resolve(), describe: String }),
    requests,
    logger: quiet,
    answer: (_id, reply) => void answers.push(reply),
    resend: () => {},
    toClient: () => {},
  });
  assertEquals([exchange.mode, exchange.cancelsByStream], ["unsettled", false]);
  const probe: JSONRPCRequest = {
    jsonrpc: "2.0",
    id: 0,
    method: "server/discover",
    params: { _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28" } },
  };
  exchange.outgoing(probe);
  assertEquals([exchange.mode, exchange.cancelsByStream, own.stateless], ["stateless", true, true]);
  const initialize: JSONRPCRequest = { jsonrpc: "2.0", id: 1, method: "initialize", params: {} };
  assertEquals(exchange.arrived(initialize), undefined, "a session's initialize goes upstream");
  assertEquals([exchange.mode, exchange.cancelsByStream, own.stateless], ["session", false, false]);
  exchange.result(1, "initialize", {
    jsonrpc: "2.0",
    id: 1,
    result: { protocolVersion: "2025-11-25", capabilities: {} },
  });
  assertEquals(headers, ["2026-07-28", "", "2025-11-25"], "the header follows every change");
  assertEquals(answers.length, 1, "the result answers the client");
  exchange.outgoing({ jsonrpc: "2.0", id: 2, method: "tools/list" });
  assertEquals(exchange.mode, "session", "a request without an envelope changes nothing");
});

Deno.test("each request has one record, which every way out removes: answer, cancel, timeout, shutdown", async () => {
  const { local, remote, requests, own, proxy } = relay({ timeoutMs: 60, allowWrite: true });
  await proxy.start();
  local.onmessage!({ jsonrpc: "2.0", id: 0, method: "initialize", params: {} });
  remote.onmessage!({ jsonrpc: "2.0", id: 0, result: { capabilities: {} } });
  for (const id of [1, 2, 3]) local.onmessage!({ jsonrpc: "2.0", id, method: "resources/list" });
  const own1 = own.request("tools/list", {}).catch((error) => String(error));
  assertEquals(requests.size, 4, "three of the client's and one of the proxy's own");
  remote.onmessage!({ jsonrpc: "2.0", id: 1, result: { resources: [] } });
  local.onmessage!({
    jsonrpc: "2.0",
    method: "notifications/cancelled",
    params: { requestId: 2 },
  });
  assertEquals(requests.ids(), [3, requests.ids()[1]!], "answered and cancelled are gone");
  await new Promise((resolve) => setTimeout(resolve, 120));
  assertEquals(requests.size, 0, "the rest timed out, the client's and the proxy's own alike");
  assertEquals(await own1, "Error: tools/list got no answer within 0.06 s");
  local.onmessage!({ jsonrpc: "2.0", id: 4, method: "resources/list" });
  const own2 = own.request("subscriptions/listen", {}).catch((error) => String(error));
  await proxy.shutdown("test");
  assertEquals(requests.size, 0, "what was left timed out in the grace, or shutdown answered it");
  assertEquals(await own2, "Error: the proxy shut down");
  const answered = local.sent.flatMap((m) => "id" in m ? [m.id] : []);
  assertEquals(answered.sort(), [0, 1, 3, 4], "each once, the cancelled one never");
});
