import { assertEquals, assertRejects } from "./assert.ts";
import { StreamGuard } from "../src/transport/http/stream_guard.ts";

const encode = (text: string) => new TextEncoder().encode(text);

/** A fetch answering every call with `chunks` as a body of `type`. */
function serving(chunks: string[], type = "text/event-stream") {
  return () =>
    Promise.resolve(
      new Response(ReadableStream.from(chunks.map(encode)), { headers: { "content-type": type } }),
    );
}

Deno.test("a stream passes unchanged, with nothing added: the SDK reports its end itself", async () => {
  const events = ['event: message\ndata: {"a":1}\n\n', "data: {", '"b":2}\n\n', "id: 1\n\n"];
  const fetch = new StreamGuard().wrap(serving(events));
  const response = await fetch("http://127.0.0.1/mcp", { method: "POST", body: "{}" });
  assertEquals(await response.text(), events.join(""));
});

Deno.test("a line over the limit ends the stream with an error, and the owner hears which request's it was", async () => {
  const told: [unknown, number][] = [];
  const body = '{"jsonrpc":"2.0","id":7,"method":"ping"}';
  const fetch = new StreamGuard({
    maxLineBytes: 64,
    onOverlong: (sent, limit) => told.push([sent, limit]),
  }).wrap(serving(["id: 1\ndata: ", "x".repeat(40), "x".repeat(40), "never sent\n"]));
  const response = await fetch("http://127.0.0.1/mcp", { method: "POST", body });
  await assertRejects(() => response.text(), RangeError, "longer than the 64 byte limit");
  assertEquals(told, [[7, 64]]);
  // Many short lines in one chunk, and a long line split over chunks but under the limit, pass.
  const fine = ["a\n".repeat(100), "y".repeat(30), "y".repeat(30), "\n"];
  const ok = new StreamGuard({ maxLineBytes: 64 }).wrap(serving(fine));
  assertEquals(await (await ok("http://127.0.0.1/mcp")).text(), fine.join(""));
});

Deno.test("a JSON body over the limit fails; a shorter one passes", async () => {
  const big = new StreamGuard({ maxLineBytes: 64 }).wrap(
    serving(["[", "1".repeat(100), "]"], "application/json"),
  );
  const response = await big("http://127.0.0.1/mcp", { method: "POST", body: "{}" });
  await assertRejects(() => response.text(), RangeError, "longer than the 64 byte limit");
  const small = new StreamGuard().wrap(serving(['{"ok":true}'], "application/json"));
  assertEquals(await (await small("http://127.0.0.1/mcp")).json(), { ok: true });
});

Deno.test("one request's open stream is closed on demand, found by its id; the others stay open", async () => {
  const guard = new StreamGuard();
  const endless = () =>
    Promise.resolve(
      new Response(new ReadableStream({ start: (c) => c.enqueue(encode(": open\n\n")) }), {
        headers: { "content-type": "text/event-stream" },
      }),
    );
  const fetch = guard.wrap(endless);
  const post = (id: number) =>
    fetch("http://127.0.0.1/mcp", {
      method: "POST",
      body: JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call" }),
    });
  const [one, two] = [await post(1), await post(2)];
  const readAll = (response: Response) => response.text();
  const first = readAll(one);
  guard.close(1);
  assertEquals(typeof await first, "string", "ended as if the server had closed it");
  let secondDone = false;
  const second = readAll(two).then(() => (secondDone = true));
  await new Promise((resolve) => setTimeout(resolve, 20));
  assertEquals(secondDone, false, "request 2's stream is still open");
  guard.close(2);
  await second;
});

Deno.test("lines ended by CR alone, as SSE allows, are lines: a long stream of short ones passes", async () => {
  const events = Array.from({ length: 20 }, (_, i) => `data: {"n":${i}}\r\r`);
  const fetch = new StreamGuard({ maxLineBytes: 64 }).wrap(serving(events));
  const response = await fetch("http://127.0.0.1/mcp", { method: "POST", body: "{}" });
  assertEquals(await response.text(), events.join(""));
});

Deno.test("a line sent a byte at a time is passed on whole, not in a piece per byte", async () => {
  const bytes = ["data: ", ..."x".repeat(10_000), "\n\n"];
  const fetch = new StreamGuard().wrap(serving(bytes));
  const reader = (await fetch("http://127.0.0.1/mcp", { method: "POST", body: "{}" })).body!
    .getReader();
  const chunks: Uint8Array[] = [];
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    chunks.push(read.value);
  }
  assertEquals(chunks.length, 1, "the SDK's parser gets the line in one piece");
  assertEquals(new TextDecoder().decode(chunks[0]), bytes.join(""));
});
