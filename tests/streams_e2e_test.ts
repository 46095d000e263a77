/**
 * End-to-end: event streams that end before their answer, or never end a
 * line, through the real proxy. Each call is answered at once, and memory
 * stays bounded.
 */
import { peakMb } from "./fixtures/proc_memory.ts";
import { assert, assertEquals, assertMatch } from "./assert.ts";
import type { Backend } from "./fixtures/backend.ts";
import {
  BACKEND_SCOPE,
  INITIALIZED_LINE,
  initializeLine,
  toolCallLine,
} from "./fixtures/proxy_process.ts";
import { failure, rawRun, withProxy } from "./fixtures/proxy_run.ts";

function postsOf(backend: Backend, tool: string): number {
  return backend.seen.filter((r) =>
    r.rpc.includes("tools/call") && (r.body as { params?: { name?: string } }).params?.name === tool
  ).length;
}

Deno.test("an answer cut mid-event with no event id is answered at once; a safe call is sent once more", async () => {
  await withProxy(async (run, backend) => {
    backend.cutAnswers.add("write_note");
    backend.cutAnswers.add("echo");
    const started = Date.now();
    const write = await failure(
      run.client.callTool({ name: "write_note", arguments: { note: "cut" } }),
    );
    assertMatch(
      write.message,
      /event stream ended before it answered tools\/call, with no event id to resume from; the call may or may not have run/,
    );
    assertEquals(postsOf(backend, "write_note"), 1, "a write call is never sent twice");

    const read = await failure(run.client.callTool({ name: "echo", arguments: { text: "cut" } }));
    assertMatch(read.message, /event stream ended before it answered tools\/call/);
    assertEquals(postsOf(backend, "echo"), 2, "a read-only call is sent once more, not again");
    assert(Date.now() - started < 5000, "answered at once, not at the 30 s timeout");

    backend.cutAnswers.clear();
    const result = await run.client.callTool({ name: "echo", arguments: { text: "whole" } });
    assertEquals(result.content, [{ type: "text", text: "whole" }]);
  }, { args: ["--allow-write", "--timeout", "30"] });
});

Deno.test("a line that never ends is cut at 10 MiB: the call gets an error naming the limit, and memory stays bounded", async () => {
  let peak = 0;
  await rawRun({
    args: [...BACKEND_SCOPE, "--timeout", "60"],
    onBackend: (backend) => backend.endlessLines.set("echo", 96 * 1024 * 1024),
  }, async (proxy) => {
    await proxy.send(initializeLine(1));
    await proxy.next();
    await proxy.send(INITIALIZED_LINE);
    await proxy.send(toolCallLine(2, "echo", { text: "x" }));
    const answer = await proxy.next(30_000);
    assertEquals(answer.id, 2);
    assertMatch(
      (answer.error as { message: string }).message,
      /answer to tools\/call has a line longer than the 10485760 byte limit; it was dropped/,
    );
    peak = peakMb(proxy.child.pid);
  });
  // Measured here: 113 MB with the cap; 296 MB without it, growing with the line, and no answer.
  assert(peak < 200, `peak RSS ${peak.toFixed(0)} MB`);
});
