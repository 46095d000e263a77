import type { Buffer } from "node:buffer";
import { assert, assertEquals } from "./assert.ts";
import { createLineFramer } from "../src/line_framer.ts";
import { createStdinSource } from "../src/stdin_source.ts";

const encode = (text: string) => new TextEncoder().encode(text);

function source(readable: ReadableStream<Uint8Array>) {
  let ends = 0;
  const lines: string[] = [];
  const source = createStdinSource({
    framer: createLineFramer({ onOversized: () => {} }),
    onEnd: () => ends++,
    readable,
  });
  const onData = (chunk: Buffer) => lines.push(chunk.toString("utf8"));
  return { source, lines, onData, ends: () => ends };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 10));

Deno.test("whole lines reach the data listeners once reading starts, and the end is told once", async () => {
  let pulled = false;
  const chunks = ['{"a":', '1}\n{"b":2}\n', '{"c"', ":3}\n"].map(encode);
  const stdin = source(
    new ReadableStream({
      pull(controller) {
        pulled = true;
        const next = chunks.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    }, { highWaterMark: 0 }),
  );
  await tick();
  assert(!pulled, "nothing is read before the transport listens");
  stdin.source.on("data", stdin.onData);
  assertEquals(stdin.source.listenerCount("data"), 1);
  await tick();
  // The lines a chunk completes arrive together, as the SDK's read buffer takes them.
  assertEquals(stdin.lines, ['{"a":1}\n{"b":2}\n', '{"c":3}\n']);
  assertEquals(stdin.ends(), 1);
  stdin.source.off("data", stdin.onData);
  assertEquals(stdin.source.listenerCount("data"), 0);
});

Deno.test("a read failure goes to the error listeners and ends the input", async () => {
  let reads = 0;
  const stdin = source(
    new ReadableStream({
      pull(controller) {
        if (reads++ === 0) controller.enqueue(encode('{"a":1}\n'));
        else controller.error(new Error("stdin broke"));
      },
    }, { highWaterMark: 0 }),
  );
  const errors: string[] = [];
  stdin.source.on("error", (error: Error) => errors.push(error.message));
  stdin.source.on("data", stdin.onData);
  await tick();
  assertEquals(stdin.lines, ['{"a":1}\n']);
  assertEquals(errors, ["stdin broke"]);
  assertEquals(stdin.ends(), 1);
});

Deno.test("pause stops reading and ends the input once", async () => {
  let cancelled = false;
  const stdin = source(new ReadableStream({ cancel: () => void (cancelled = true) }));
  stdin.source.on("data", stdin.onData);
  stdin.source.pause();
  await tick();
  assert(cancelled);
  assertEquals(stdin.ends(), 1);
});
