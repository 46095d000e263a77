import { assert, assertEquals } from "./assert.ts";
import { createLineFramer, type OversizedLine } from "../src/transport/stdio/line_framer.ts";

/** Feeds `chunks` through a framer with a `max`-byte limit; returns what came out and what was dropped. */
function frame(chunks: string[], max: number) {
  const dropped: OversizedLine[] = [];
  const framer = createLineFramer({ maxLineBytes: max, onOversized: (d) => dropped.push(d) });
  const out: string[] = [];
  for (const chunk of chunks) {
    for (const line of framer.push(new TextEncoder().encode(chunk))) {
      out.push(new TextDecoder().decode(line));
    }
  }
  return { out, dropped };
}

Deno.test("only whole lines are passed on; a partial line waits for its newline", () => {
  const { out, dropped } = frame(['{"a":', '1}\n{"b"', ':2}\r\n{"c":3}\n\n{"d'], 100);
  assertEquals(out, ['{"a":1}', '{"b":2}', '{"c":3}', ""], "each line alone, without CR LF");
  assertEquals(dropped, []);
});

Deno.test("a line over the limit is dropped and reported with its id; the next line passes", () => {
  const big = `{"jsonrpc":"2.0","id":42,"method":"tools/call","params":{"x":"${"y".repeat(80)}"}}`;
  const { out, dropped } = frame([
    big.slice(0, 30),
    big.slice(30, 70),
    `${big.slice(70)}\n{"ok":1}\n`,
  ], 50);
  assertEquals(out, ['{"ok":1}']);
  assertEquals(dropped, [{ bytes: big.length, id: 42 }]);
});

Deno.test("an oversized line in a single chunk is dropped too", () => {
  const { out, dropped } = frame([
    `{"ok":1}\n{"id":"s-1","v":"${"z".repeat(60)}"}\n{"ok":2}\n`,
  ], 40);
  assertEquals(out, ['{"ok":1}', '{"ok":2}']);
  assertEquals(dropped.map((d) => d.id), ["s-1"]);
});

Deno.test("the id of a dropped line is found wherever it stands, past nested ids", () => {
  const tail = `{"method":"m","params":{"id":"inner","text":"${"q".repeat(200)}"},"id":"last"}`;
  const cut = `{"method":"m","params":{"text":"${"q".repeat(200)}`;
  const { out, dropped } = frame([tail.slice(0, 90), `${tail.slice(90)}\n${cut}\n`], 100);
  assertEquals(out, []);
  assertEquals(dropped, [{ bytes: tail.length, id: "last" }, { bytes: cut.length }]);
});

Deno.test("a line that arrives a byte at a time costs about its own size, and arrives whole", () => {
  const framer = createLineFramer({ onOversized: () => {} });
  const byte = new Uint8Array([0x78]);
  const before = Deno.memoryUsage().rss;
  for (let i = 0; i < 1_000_000; i++) assertEquals(framer.push(byte).length, 0);
  // An array of pieces, as the framer kept, cost about 360 MB for this 1 MB line.
  const grown = Deno.memoryUsage().rss - before;
  assert(grown < 100 * 1024 * 1024, `RSS grew ${Math.round(grown / 1048576)} MB`);
  const [line] = framer.push(new Uint8Array([0x0a]));
  assertEquals(line?.length, 1_000_000);
  assert(line!.every((b) => b === 0x78));
});
