import { assertEquals, assertRejects } from "./assert.ts";
import { guardStreams, STREAM_END_METHOD } from "../src/transport/http/stream_guard.ts";

const encode = (text: string) => new TextEncoder().encode(text);

/** A fetch answering every call with `chunks` as a body of `type`. */
function serving(chunks: string[], type = "text/event-stream") {
  return () =>
    Promise.resolve(
      new Response(ReadableStream.from(chunks.map(encode)), { headers: { "content-type": type } }),
    );
}

async function read(
  chunks: string[],
  body = '{"jsonrpc":"2.0","id":7,"method":"ping"}',
  maxLineBytes?: number,
) {
  const fetch = guardStreams(serving(chunks), maxLineBytes ? { maxLineBytes } : {});
  const response = await fetch("http://127.0.0.1/mcp", { method: "POST", body });
  return await response.text();
}

const marker = (params: string) =>
  `\n\ndata: {"jsonrpc":"2.0","method":"${STREAM_END_METHOD}","params":${params}}\n\n`;

Deno.test("a request's stream passes unchanged and ends with the marker, which says whether it had an event id", async () => {
  const events = ['event: message\ndata: {"a":1}\n\n', "data: {", '"b":2}\n\n'];
  assertEquals(await read(events), events.join("") + marker('{"request":7,"resumable":false}'));
  const resumable = ["id: 1\ndata: {}\n", "\nid", ": 2\n\n"];
  assertEquals(
    await read(resumable),
    resumable.join("") + marker('{"request":7,"resumable":true}'),
  );
});

Deno.test("the marker names the request id as written, whatever the key order", async () => {
  assertEquals(
    await read([], '{"jsonrpc":"2.0","id":"a\\"b","method":"ping"}'),
    marker('{"request":"a\\"b","resumable":false}'),
  );
  assertEquals(
    await read([], '{"method":"ping","jsonrpc":"2.0","id":3}'),
    marker('{"request":3,"resumable":false}'),
  );
  assertEquals(
    await read(["data: {}\n\n"], '{"jsonrpc":"2.0","id":3,"result":{}}'),
    "data: {}\n\n",
  );
});

Deno.test("a line over the limit ends the stream with the marker saying so", async () => {
  const text = await read(
    ["id: 1\ndata: ", "x".repeat(40), "x".repeat(40), "never sent\n"],
    undefined,
    64,
  );
  assertEquals(
    text,
    `id: 1\ndata: ${"x".repeat(40)}${marker('{"request":7,"resumable":false,"overlong":64}')}`,
  );
});

Deno.test("a JSON body over the limit fails; a shorter one passes", async () => {
  const big = guardStreams(serving(["[", "1".repeat(100), "]"], "application/json"), {
    maxLineBytes: 64,
  });
  const response = await big("http://127.0.0.1/mcp", { method: "POST", body: "{}" });
  await assertRejects(() => response.text(), RangeError, "longer than the 64 byte limit");
  const small = guardStreams(serving(['{"ok":true}'], "application/json"));
  assertEquals(await (await small("http://127.0.0.1/mcp")).json(), { ok: true });
});
