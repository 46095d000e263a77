import { assert, assertEquals, assertMatch, assertRejects } from "./assert.ts";
import { StreamableHttp } from "../src/transport/http/streamable_http.ts";
import type { JSONRPCMessage } from "../src/mcp_sdk.ts";
import { countedBody } from "./fixtures/counted_body.ts";

const encode = (text: string) => new TextEncoder().encode(text);
const FAST = {
  initialReconnectionDelay: 10,
  maxReconnectionDelay: 10,
  reconnectionDelayGrowFactor: 1,
  maxRetries: 2,
};

/** What the server saw of one HTTP request. */
interface Seen {
  method: string;
  headers: Headers;
  body: string;
}

/** A server on 127.0.0.1 answering with `answer`, and what it received. */
function serve(answer: (seen: Seen) => Response | Promise<Response>) {
  const seen: Seen[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (r) => {
    const request = { method: r.method, headers: r.headers, body: await r.text() };
    seen.push(request);
    return answer(request);
  });
  const url = new URL(`http://127.0.0.1:${server.addr.port}/mcp`);
  return { url, seen, close: () => server.shutdown() };
}

/** An event stream of `chunks`, written one at a time, then closed unless `open`. */
function sse(chunks: string[], open = false): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encode(chunk));
      if (!open) controller.close();
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream" } });
}

/** A transport to `url` collecting what it delivers and reports. */
function connect(url: URL, maxLineBytes?: number) {
  const transport = new StreamableHttp(url, {
    fetch,
    reconnection: FAST,
    ...(maxLineBytes === undefined ? {} : { maxLineBytes }),
  });
  const messages: JSONRPCMessage[] = [];
  const errors: string[] = [];
  const overlong: unknown[] = [];
  transport.onmessage = (message) => messages.push(message);
  transport.onerror = (error) => errors.push(error.message);
  transport.onoverlong = (id, limit) => overlong.push([id, limit]);
  return { transport, messages, errors, overlong };
}

const call = (id: number, name = "echo") => ({
  jsonrpc: "2.0" as const,
  id,
  method: "tools/call",
  params: { name, arguments: {} },
});
const answer = (id: number) => `data: {"jsonrpc":"2.0","id":${id},"result":{"n":${id}}}\n\n`;
/** A server of session `s-1`: JSON answers, 202 for the rest, `get` for its GET stream. */
function sessionServer(get: () => Response) {
  return serve((seen) => {
    if (seen.method === "DELETE") return new Response(null, { status: 200 });
    if (seen.method === "GET") return get();
    const message = JSON.parse(seen.body);
    if (!("id" in message)) return new Response(null, { status: 202 });
    return new Response(answer(message.id).slice(6), {
      headers: { "content-type": "application/json", "mcp-session-id": "s-1" },
    });
  });
}
const settle = (ms = 50) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("a line over the limit ends its stream, is told with the request's id, and is not resumed", async () => {
  const server = serve(() => sse(["id: 1\ndata: ", "x".repeat(40), "x".repeat(40), "\n\n"]));
  const { transport, messages, overlong } = connect(server.url, 64);
  let ended = false;
  await transport.send(call(7), { onRequestStreamEnd: () => (ended = true) });
  await settle();
  assertEquals(overlong, [[7, 64]]);
  assertEquals(messages, []);
  assertEquals(ended, false, "the end is the overlong callback's to tell");
  assertEquals(server.seen.map((s) => s.method), ["POST"], "no GET resumed the stream");
  await transport.close();
  await server.close();
});

Deno.test("lines end at CR, LF or CR LF; many short ones pass, and a line split over reads arrives whole", async () => {
  const crOnly = Array.from(
    { length: 20 },
    (_, i) => `event: message\rdata: {"jsonrpc":"2.0","method":"n","params":{"i":${i}}}\r\r`,
  );
  const byByte = [
    ..."data: " + JSON.stringify({ jsonrpc: "2.0", id: 1, result: { s: "y".repeat(5000) } }),
  ]
    .concat(["\r\n\r\n"]);
  const server = serve(() => sse([...crOnly, ...byByte]));
  const { transport, messages, errors } = connect(server.url, 6000);
  let ended = false;
  await transport.send(call(1), { onRequestStreamEnd: () => (ended = true) });
  await settle(100);
  assertEquals(errors, []);
  assertEquals(messages.length, 21);
  assertEquals((messages[20] as unknown as { result: { s: string } }).result.s.length, 5000);
  assert(ended, "a stream without event ids that ended is told at once");
  await transport.close();
  await server.close();
});

Deno.test("a JSON answer over the limit fails the send; a shorter one is delivered", async () => {
  let big = true;
  const server = serve(() =>
    new Response(
      big ? `{"jsonrpc":"2.0","id":1,"result":{"s":"${"z".repeat(100)}"}}` : answer(2).slice(6),
      { headers: { "content-type": "application/json" } },
    )
  );
  const { transport, messages } = connect(server.url, 64);
  await assertRejects(() => transport.send(call(1)), RangeError, "longer than the 64 byte limit");
  big = false;
  await transport.send(call(2));
  assertEquals(messages, [{ jsonrpc: "2.0", id: 2, result: { n: 2 } }]);
  await transport.close();
  await server.close();
});

Deno.test("a request's signal closes its stream only, and nothing is told of it", async () => {
  const server = serve(() => sse([": open\n\n"], true));
  const { transport, errors } = connect(server.url);
  const one = new AbortController();
  const ends: number[] = [];
  await transport.send(call(1), {
    requestSignal: one.signal,
    onRequestStreamEnd: () => ends.push(1),
  });
  await transport.send(call(2), { onRequestStreamEnd: () => ends.push(2) });
  one.abort();
  await settle();
  assertEquals(ends, []);
  assertEquals(errors, []);
  await transport.close();
  await settle();
  assertEquals(ends, [], "closing the transport tells no stream's end either");
  await server.close();
});

Deno.test("a stream with event ids cut before its answer is resumed with Last-Event-ID, and answered once", async () => {
  const server = serve((seen) =>
    seen.method === "POST"
      ? sse(['id: e1\ndata: {"jsonrpc":"2.0","method":"notifications/progress","params":{}}\n\n'])
      : sse([`id: e2\n${answer(3)}`])
  );
  const { transport, messages } = connect(server.url);
  let ended = false;
  await transport.send(call(3), { onRequestStreamEnd: () => (ended = true) });
  await settle(150);
  assertEquals(server.seen.map((s) => s.method), ["POST", "GET"]);
  assertEquals(server.seen[1]!.headers.get("last-event-id"), "e1");
  assertEquals(messages.filter((m) => "id" in m).length, 1);
  assert(ended, "its end is told once the resumed stream has ended too");
  await transport.close();
  await server.close();
});

Deno.test("a session: its id after initialize, the GET stream once initialized, a DELETE at the end", async () => {
  const server = sessionServer(() => new Response(null, { status: 405 }));
  const { transport } = connect(server.url);
  await transport.send({ jsonrpc: "2.0", id: 0, method: "initialize", params: {} });
  assertEquals(transport.sessionId, "s-1");
  transport.setProtocolVersion("2025-11-25");
  await transport.send({ jsonrpc: "2.0", method: "notifications/initialized" });
  await transport.send(call(1));
  await settle();
  await transport.terminateSession();
  assertEquals(server.seen.map((s) => s.method), ["POST", "POST", "GET", "POST", "DELETE"]);
  assertEquals(server.seen[0]!.headers.get("mcp-session-id"), null);
  for (const seen of server.seen.slice(1)) {
    assertEquals(seen.headers.get("mcp-session-id"), "s-1");
    assertEquals(seen.headers.get("mcp-protocol-version"), "2025-11-25");
  }
  assertEquals(server.seen[1]!.headers.get("mcp-method"), null, "no 2026 header in a session");
  assertEquals(transport.sessionId, undefined);
  await transport.close();
  await server.close();
});

Deno.test("a 2026-07-28 request carries the standard headers, and a 400 that answers it is its answer", async () => {
  const server = serve((seen) =>
    new Response(
      JSON.stringify({
        jsonrpc: "2.0",
        id: JSON.parse(seen.body).id,
        error: { code: -32602, message: "Unsupported protocol version" },
      }),
      { status: 400, headers: { "content-type": "application/json" } },
    )
  );
  const { transport, messages } = connect(server.url);
  const meta = { "io.modelcontextprotocol/protocolVersion": "2026-07-28" };
  await transport.send({
    jsonrpc: "2.0",
    id: 5,
    method: "tools/call",
    params: { name: "日本", _meta: meta },
  }, { headers: { "Mcp-Param-Region": "eu", "mcp-method": "forged" } });
  const headers = server.seen[0]!.headers;
  assertEquals(headers.get("mcp-protocol-version"), "2026-07-28");
  assertEquals(headers.get("mcp-method"), "tools/call", "a per-request header cannot forge it");
  assertEquals(headers.get("mcp-name"), "=?base64?5pel5pys?=");
  assertEquals(headers.get("mcp-param-region"), "eu");
  assertEquals(messages.length, 1);
  assertEquals((messages[0] as { id: number }).id, 5);
  // The same 400 for a session's request is an HTTP failure, as the SDK has it.
  await assertRejects(() => transport.send(call(6)), Error, "Error POSTing to endpoint");
  await transport.close();
  await server.close();
});

Deno.test("a server's retry: 0 does not make the session's GET stream a busy loop", async () => {
  const server = sessionServer(() => sse(["retry: 0\n\n"]));
  const { transport } = connect(server.url);
  await transport.send({ jsonrpc: "2.0", id: 0, method: "initialize", params: {} });
  await transport.send({ jsonrpc: "2.0", method: "notifications/initialized" });
  await settle(600);
  const gets = server.seen.filter((s) => s.method === "GET").length;
  assert(gets >= 1 && gets <= 4, `${gets} GETs in 600 ms (one per 250 ms at most)`);
  await transport.close();
  await server.close();
});

Deno.test("of an HTTP error's body of 32 MB, only the start is read and quoted", async () => {
  // 32 MB, so that a reader of the whole body finishes and fails the check below.
  const { body, pulled } = countedBody(32 * 1024 * 1024);
  const server = serve(() => new Response(body, { status: 500 }));
  const { transport } = connect(server.url);
  const failure = await transport.send(call(1)).then(() => undefined, (error: Error) => error);
  assertMatch(failure?.message ?? "", /^Error POSTing to endpoint: x+$/);
  assert(failure!.message.length < 70 * 1024, `${failure!.message.length} characters quoted`);
  assert(pulled() < 8 * 1024 * 1024, `${pulled()} bytes sent of a 32 MB body`);
  await transport.close();
  await server.close();
});

Deno.test("an event whose data lines never end in a blank line is cut at the limit, as a line is", async () => {
  const lines = Array.from({ length: 10 }, () => `data: ${"d".repeat(20)}\r\n`);
  const endless = serve(() => sse(["id: 1\r\n", ...lines]));
  const cut = connect(endless.url, 64);
  await cut.transport.send(call(4));
  // Events under the limit, their lines ended by CR LF, pass.
  const short = serve(() =>
    sse([`data: {"jsonrpc":"2.0",\r\ndata: "method":"n"}\r\n\r\n`, answer(5)])
  );
  const whole = connect(short.url, 64);
  await whole.transport.send(call(5));
  await settle();
  assertEquals(cut.overlong, [[4, 64]]);
  assertEquals(cut.messages, []);
  assertEquals(whole.messages.length, 2);
  assertEquals(whole.overlong, []);
  for (const { transport } of [cut, whole]) await transport.close();
  await endless.close();
  await short.close();
});

Deno.test("a stream whose event id no header can carry is not resumed: its end is told at once, with why", async () => {
  for (const id of ["日本", "e\u0001", " e1"]) {
    const server = serve(() =>
      sse([`id: ${id}\ndata: {"jsonrpc":"2.0","method":"notifications/progress","params":{}}\n\n`])
    );
    const { transport, errors } = connect(server.url);
    let ended = false;
    await transport.send(call(3), { onRequestStreamEnd: () => (ended = true) });
    await settle();
    assertEquals(server.seen.map((s) => s.method), ["POST"], JSON.stringify(id));
    assert(ended, "its end is told");
    assertEquals(errors.length, 1, errors.join("\n"));
    assertMatch(errors[0]!, /event id cannot be sent back in Last-Event-ID/);
    await transport.close();
    await server.close();
  }
});

Deno.test("a session id that is not visible ASCII fails the initialize, and is never sent back", async () => {
  for (const id of ["s 1", "sé"]) {
    const server = serve((seen) =>
      seen.method === "POST"
        ? new Response(answer(0).slice(6), {
          headers: new Headers([["content-type", "application/json"], ["mcp-session-id", id]]),
        })
        : new Response(null, { status: 405 })
    );
    const { transport } = connect(server.url);
    await assertRejects(
      () => transport.send({ jsonrpc: "2.0", id: 0, method: "initialize", params: {} }),
      Error,
      "Mcp-Session-Id is not visible ASCII",
    );
    assertEquals(transport.sessionId, undefined, JSON.stringify(id));
    await transport.close();
    await server.close();
  }
});

Deno.test("a protocol version no header can carry is not sent, and that is reported", async () => {
  const server = sessionServer(() => new Response(null, { status: 405 }));
  const { transport, errors } = connect(server.url);
  await transport.send({ jsonrpc: "2.0", id: 0, method: "initialize", params: {} });
  transport.setProtocolVersion("2025-11-25\u0001");
  await transport.send(call(1));
  assertEquals(server.seen[1]!.headers.get("mcp-protocol-version"), null);
  assertEquals(errors.length, 1, errors.join("\n"));
  assertMatch(errors[0]!, /cannot be sent in the MCP-Protocol-Version header/);
  await transport.close();
  await server.close();
});
