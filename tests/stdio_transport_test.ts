import { assert, assertEquals } from "./assert.ts";
import type { JSONRPCMessage } from "../src/mcp_sdk.ts";
import { StdioTransport } from "../src/transport/stdio/stdio_transport.ts";

const encode = (text: string) => new TextEncoder().encode(text);

/** A transport over the given stdin chunks, recording what it writes, reads and reports. */
async function run(chunks: string[], options: { maxLineBytes?: number } = {}) {
  const written: string[] = [];
  const messages: JSONRPCMessage[] = [];
  const errors: string[] = [];
  const closed = Promise.withResolvers<void>();
  const transport = new StdioTransport({
    readable: ReadableStream.from(chunks.map(encode)),
    writeSync: (bytes) => (written.push(new TextDecoder().decode(bytes)), bytes.length),
    ...options,
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
