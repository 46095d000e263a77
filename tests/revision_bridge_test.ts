import { assertEquals } from "./assert.ts";
import {
  asEarlierResult,
  envelopeFromInitialize,
  initializeResultFrom,
  isBridgeableRefusal,
} from "../src/mcp/bridge_messages.ts";
import { withEnvelope } from "../src/mcp/protocol_envelope.ts";
import { MAX_INPUT_ROUNDS, RevisionBridge } from "../src/mcp/revision_bridge.ts";
import type { JSONRPCMessage, JSONRPCRequest } from "../src/mcp_sdk.ts";

const initialize: JSONRPCRequest = {
  jsonrpc: "2.0",
  id: 0,
  method: "initialize",
  params: {
    protocolVersion: "2025-11-25",
    capabilities: { elicitation: {} },
    clientInfo: { name: "c", version: "1" },
  },
};
const refusal = (supported: unknown): JSONRPCMessage => ({
  jsonrpc: "2.0",
  id: 0,
  error: { code: -32022, message: "Unsupported protocol version", data: { supported } },
});

Deno.test("only a -32022 that names 2026-07-28 among the supported revisions is bridged", () => {
  assertEquals(
    isBridgeableRefusal({ code: -32022, message: "", data: { supported: ["2026-07-28"] } }),
    true,
  );
  assertEquals(
    isBridgeableRefusal({ code: -32022, message: "", data: { supported: ["2024-11-05"] } }),
    false,
  );
  assertEquals(isBridgeableRefusal({ code: -32022, message: "" }), false);
  assertEquals(
    isBridgeableRefusal({ code: -32600, message: "", data: { supported: ["2026-07-28"] } }),
    false,
  );
});

Deno.test("the envelope carries the client's info and capabilities at 2026-07-28", () => {
  assertEquals(envelopeFromInitialize(initialize), {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientInfo": { name: "c", version: "1" },
    "io.modelcontextprotocol/clientCapabilities": { elicitation: {} },
  });
  const wrapped = withEnvelope(
    { jsonrpc: "2.0", id: 1, method: "tools/list", params: { _meta: { progressToken: 7 } } },
    envelopeFromInitialize(initialize),
  );
  assertEquals((wrapped.params?._meta as Record<string, unknown>).progressToken, 7, "kept");
});

Deno.test("initialize is answered from server/discover at the client's revision, the server named from _meta", () => {
  const discover = {
    resultType: "complete",
    supportedVersions: ["2026-07-28"],
    capabilities: { tools: {} },
    instructions: "Be brief",
    _meta: { "io.modelcontextprotocol/serverInfo": { name: "s", version: "2" } },
  };
  assertEquals(initializeResultFrom(discover, "2025-06-18"), {
    protocolVersion: "2025-06-18",
    capabilities: { tools: {} },
    serverInfo: { name: "s", version: "2" },
    instructions: "Be brief",
  });
});

Deno.test("a complete result loses resultType and keeps everything else", () => {
  assertEquals(asEarlierResult({ resultType: "complete", content: [], _meta: { a: 1 } }), {
    content: [],
    _meta: { a: 1 },
  });
});

Deno.test("the bridge turns on only for a refused initialize, and then wraps and drops what it must", () => {
  const bridge = new RevisionBridge({ toClient: () => Promise.resolve(), describe: String });
  assertEquals(bridge.activate(refusal(["2026-07-28"])), undefined, "no initialize noted");
  bridge.noteInitialize(initialize);
  assertEquals(bridge.activate(refusal(["2025-03-26"])), undefined);
  assertEquals(bridge.active, false);
  bridge.activate(refusal(["2026-07-28"]));
  assertEquals(bridge.active, true);
  assertEquals(
    bridge.outgoing({ jsonrpc: "2.0", method: "notifications/initialized" }),
    undefined,
  );
  const request: JSONRPCRequest = { jsonrpc: "2.0", id: 3, method: "ping" };
  const ping = bridge.outgoing(request);
  assertEquals(
    (ping?.params?._meta as Record<string, unknown>)["io.modelcontextprotocol/protocolVersion"],
    "2026-07-28",
  );
});

Deno.test("input is asked of the client, and the retry carries the answers and the exact requestState", async () => {
  const sent: JSONRPCMessage[] = [];
  const bridge: RevisionBridge = new RevisionBridge({
    toClient: (message) => {
      sent.push(message);
      const id = (message as JSONRPCRequest).id;
      queueMicrotask(() =>
        bridge.settle({ jsonrpc: "2.0", id, result: { action: "accept", content: { ok: true } } })
      );
      return Promise.resolve();
    },
    describe: String,
  });
  bridge.noteInitialize(initialize);
  bridge.activate(refusal(["2026-07-28"]));
  const call = bridge.outgoing({
    jsonrpc: "2.0",
    id: 9,
    method: "tools/call",
    params: { name: "t", arguments: { x: 1 } },
  })!;
  const step = await bridge.next({ request: call, rounds: 0 }, {
    resultType: "input_required",
    inputRequests: { ok: { method: "elicitation/create", params: { message: "OK?" } } },
    requestState: "opaque+/=",
  });
  assertEquals(sent.length, 1);
  assertEquals((sent[0] as JSONRPCRequest).method, "elicitation/create");
  assertEquals("retry" in step && step.retry.params, {
    ...call.params,
    inputResponses: { ok: { action: "accept", content: { ok: true } } },
    requestState: "opaque+/=",
  });
});

/** The record of a `tools/call` the bridge sent under `id`, with no rounds of input yet. */
function sentCall(bridge: RevisionBridge, id: number) {
  const call = { jsonrpc: "2.0" as const, id, method: "tools/call", params: { name: "t" } };
  return { request: bridge.outgoing(call), rounds: 0 };
}

Deno.test("a server that keeps asking is cut off after the round cap, and an unknown input method fails at once", async () => {
  const bridge = new RevisionBridge({
    toClient: () => Promise.resolve(),
    describe: String,
    sleep: () => Promise.resolve(),
  });
  bridge.noteInitialize(initialize);
  bridge.activate(refusal(["2026-07-28"]));
  const record = sentCall(bridge, 1);
  const again = { resultType: "input_required", requestState: "s" };
  for (let round = 1; round <= MAX_INPUT_ROUNDS; round++) {
    assertEquals("retry" in await bridge.next(record, again), true);
  }
  assertEquals(await bridge.next(record, again), {
    failed: `still required input after ${MAX_INPUT_ROUNDS} rounds`,
  });
  const other = sentCall(bridge, 2);
  const odd = { resultType: "input_required", inputRequests: { x: { method: "tools/call" } } };
  assertEquals(await bridge.next(other, odd), {
    failed: 'asked for input by an unknown request ("tools/call")',
  });
});

Deno.test("logging/setLevel and ping, which the revision has no request for, are answered by the bridge", async () => {
  const bridge = new RevisionBridge({ toClient: () => Promise.resolve(), describe: String });
  const setLevel: JSONRPCRequest = {
    jsonrpc: "2.0",
    id: 4,
    method: "logging/setLevel",
    params: { level: "debug" },
  };
  let discovered = 0;
  const discover = () => (discovered++, Promise.resolve({}));
  assertEquals(bridge.answerLocally(setLevel, discover), undefined, "not while the bridge is off");
  bridge.noteInitialize(initialize);
  bridge.activate(refusal(["2026-07-28"]));
  assertEquals(await bridge.answerLocally(setLevel, discover), {
    jsonrpc: "2.0",
    id: 4,
    result: {},
  });
  const request: JSONRPCRequest = { jsonrpc: "2.0", id: 5, method: "tools/list" };
  const meta = bridge.outgoing(request)?.params?._meta as Record<string, unknown>;
  assertEquals(meta["io.modelcontextprotocol/logLevel"], "debug", "in every later envelope");
  assertEquals(discovered, 0);

  const ping: JSONRPCRequest = { jsonrpc: "2.0", id: 6, method: "ping" };
  assertEquals(await bridge.answerLocally(ping, discover), { jsonrpc: "2.0", id: 6, result: {} });
  assertEquals(discovered, 1, "the server was asked");
  const down = () => Promise.reject(new Error("connection refused"));
  const failed = await bridge.answerLocally(ping, down);
  assertEquals(
    failed && "error" in failed && failed.error.message,
    "ping: Error: connection refused",
  );
  assertEquals(
    bridge.outgoing({ jsonrpc: "2.0", method: "notifications/roots/list_changed" }),
    undefined,
    "no counterpart",
  );
});
