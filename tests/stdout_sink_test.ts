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

Deno.test("a message given as bytes is written as one line: small in one call, large as it is", () => {
  const encode = (s: string) => new TextEncoder().encode(s);
  const small = recordingSink();
  small.sink.writeLine([encode('{"result":{},'), encode('"id":1}')]);
  assertEquals(small.chunks.length, 1);
  assertEquals(small.text(), '{"result":{},"id":1}\n');
  const large = recordingSink(100_000);
  const big = `{"result":{"t":"${"é".repeat(600_000)}"},"id":2}`;
  const bytes = encode(big);
  large.sink.writeLine([bytes.subarray(0, 5), bytes.subarray(5)]);
  assertEquals(large.text(), `${big}\n`);
});
