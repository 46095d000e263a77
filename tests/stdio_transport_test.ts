import { assert, assertEquals } from "./assert.ts";
import type { JSONRPCMessage } from "../src/mcp_sdk.ts";
import { StdioTransport } from "../src/transport/stdio/stdio_transport.ts";

const encode = (text: string) => new TextEncoder().encode(text);

/** A byte stream of `chunks`, as Deno's stdin is one: read into the transport's own buffers. */
function byteStream(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  let next = 0;
  return new ReadableStream({
    type: "bytes",
    pull(controller) {
      const chunk = chunks[next++];
      if (chunk === undefined) {
        controller.close();
        // A BYOB read waiting at the end is answered with no bytes, as Deno's own streams do.
        return controller.byobRequest?.respond(0);
      }
      controller.enqueue(chunk);
    },
  });
}

/**
 * A transport over the given stdin chunks (a byte stream, as stdin is, unless
 * `plain`), recording what it writes, reads and reports.
 */
async function run(chunks: string[], options: { maxLineBytes?: number; plain?: boolean } = {}) {
  const written: string[] = [];
  const messages: JSONRPCMessage[] = [];
  const errors: string[] = [];
  const closed = Promise.withResolvers<void>();
  const transport = new StdioTransport({
    readable: options.plain
      ? ReadableStream.from(chunks.map(encode))
      : byteStream(chunks.map(encode)),
    writeSync: (bytes) => (written.push(new TextDecoder().decode(bytes)), bytes.length),
    ...(options.maxLineBytes === undefined ? {} : { maxLineBytes: options.maxLineBytes }),
  });
  transport.onmessage = (m) => messages.push(m);
  transport.onerror = (e) => errors.push(e.message);
  transport.onclose = () => closed.resolve();
  await transport.start();
  await closed.promise;
  const replies = written.join("").split("\n").filter(Boolean).map((l) => JSON.parse(l));
  return { transport, messages, errors, replies };
}

Deno.test("messages split across chunks arrive whole; CR LF and blank lines are fine", async () => {
  const { messages, replies } = await run([
    '{"jsonrpc":"2.0","id":1,',
    '"method":"ping"}\r\n\n   \r\n{"jsonrpc":"2.0","method":"notifications/initialized"}\n',
  ]);
  assertEquals(messages, [
    { jsonrpc: "2.0", id: 1, method: "ping" },
    { jsonrpc: "2.0", method: "notifications/initialized" },
  ]);
  assertEquals(replies, [], "blank lines are not answered");
});

Deno.test("a line read over many reads into reused buffers arrives whole, as from any stream", async () => {
  const text = "x".repeat(200_000);
  const line = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "ping", params: { text } });
  // Cut where a read ends mid-line, then lines that complete inside the next reads' buffers.
  const chunks = [
    '{"jsonrpc":"2.0","id":1,"met',
    `hod":"ping"}\n${line.slice(0, 70_000)}`,
    line.slice(70_000, 150_000),
    `${line.slice(150_000)}\n{"jsonrpc":"2.0","id":3,"method":"ping"}\n`,
  ];
  for (const plain of [false, true]) {
    const { messages } = await run(chunks, { plain });
    assertEquals(messages.map((m) => "id" in m && m.id), [1, 2, 3]);
    assertEquals((messages[1] as unknown as { params: { text: string } }).params.text, text);
  }
});

Deno.test("a line that is not JSON is answered with a parse error and id null", async () => {
  const { replies, errors, messages } = await run([
    '{not json\n{"jsonrpc":"2.0","id":2,"method":"ping"}\n',
  ]);
  assertEquals(replies.length, 1);
  assertEquals(replies[0].id, null, "the id member is there, and null");
  assert(Object.hasOwn(replies[0], "id"));
  assertEquals(replies[0].error.code, -32700);
  assertEquals(messages.length, 1, "the next line still reads");
  assert(errors[0]?.startsWith("Parse error"));
});

Deno.test("an invalid message is answered under its own id when it has one, else null", async () => {
  const { replies } = await run([
    '{"id":17,"method":"ping"}\n{"id":"x","jsonrpc":"1.0","method":"ping"}\n[]\n42\n{"id":{"a":1},"method":1}\n',
  ]);
  assertEquals(replies.map((r) => [r.id, r.error.code]), [
    [17, -32600],
    ["x", -32600],
    [null, -32600],
    [null, -32600],
    [null, -32600],
  ]);
});

Deno.test("an invalid answer from the client is not answered back", async () => {
  const { replies, errors } = await run(['{"id":3,"result":"no jsonrpc member"}\n']);
  assertEquals(replies, []);
  assertEquals(errors.length, 1);
});

Deno.test("a line over the limit is answered under its id and the next line passes", async () => {
  const big = `{"jsonrpc":"2.0","id":9,"method":"ping","params":{"x":"${"y".repeat(100)}"}}`;
  const { replies, messages } = await run([`${big}\n{"jsonrpc":"2.0","id":10,"method":"ping"}\n`], {
    maxLineBytes: 64,
  });
  assertEquals(replies.map((r) => [r.id, r.error.code]), [[9, -32600]]);
  assertEquals(messages.map((m) => (m as { id: number }).id), [10]);
});

Deno.test("the end of stdin closes the transport, and answers can still be written", async () => {
  const { transport, replies } = await run(['{"jsonrpc":"2.0","id":1,"method":"ping"}\n']);
  assertEquals(transport.closeReason, "stdin closed");
  await transport.send({ jsonrpc: "2.0", id: 1, result: {} });
  assertEquals(replies, [], "nothing was written before");
});

Deno.test("a broken stdout closes the transport once, and later writes are dropped", async () => {
  let writes = 0;
  let closes = 0;
  const errors: string[] = [];
  const transport = new StdioTransport({
    readable: new ReadableStream(), // never ends
    writeSync: () => {
      writes++;
      throw new Deno.errors.BrokenPipe("Broken pipe (os error 32)");
    },
  });
  transport.onclose = () => closes++;
  transport.onerror = (e) => errors.push(e.message);
  await transport.start();
  await transport.send({ jsonrpc: "2.0", id: 1, result: {} });
  await transport.send({ jsonrpc: "2.0", id: 2, result: {} });
  await transport.send({ jsonrpc: "2.0", id: 3, result: {} });
  assertEquals([writes, closes, errors.length], [1, 1, 1]);
  assertEquals(transport.closeReason, "the client closed stdout");
  await transport.close();
  assertEquals(closes, 1);
});
