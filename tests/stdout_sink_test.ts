import { assertEquals } from "./assert.ts";
import { createTextSink } from "../src/transport/stdio/stdout_sink.ts";

function recordingSink(maxPerWrite = Infinity) {
  const chunks: Uint8Array[] = [];
  const sink = createTextSink((bytes) => {
    const n = Math.min(bytes.length, maxPerWrite);
    chunks.push(bytes.slice(0, n));
    return n;
  });
  const text = () => new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));
  return { sink, chunks, text };
}

Deno.test("a small message is written in one call", () => {
  const { sink, chunks, text } = recordingSink();
  sink.write('{"jsonrpc":"2.0","id":1,"result":{}}\n');
  assertEquals(chunks.length, 1);
  assertEquals(text(), '{"jsonrpc":"2.0","id":1,"result":{}}\n');
});

Deno.test("a large message with pairs across piece boundaries and short writes arrives intact", () => {
  // 😀 is a surrogate pair; offsetting by one puts a pair across every 256 Ki boundary.
  const message = `x${"😀".repeat(400_000)}é\n`;
  const { sink, chunks, text } = recordingSink(100_000);
  sink.write(message);
  assertEquals(text(), message);
  assertEquals(chunks.every((c) => c.length <= 100_000), true);
});
