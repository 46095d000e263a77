/**
 * End-to-end under load: 1,000 requests in flight through the real proxy
 * while the backend delays answers at random and throttles or fails some.
 */
import { assert, assertEquals } from "./assert.ts";
import { startBackend } from "./fixtures/backend.ts";
import {
  BACKEND_SCOPE,
  INITIALIZED_LINE,
  initializeLine,
  makeAwsHome,
  spawnRawProxy,
  withProxyStderr,
} from "./fixtures/proxy_process.ts";

const IN_FLIGHT = 1000;

/**
 * Request `n` of the mix: mostly read-only calls (one in twenty with an answer
 * over 64 KiB), some writes, pings, lists and reads;
 * ids numeric and text.
 */
function request(
  n: number,
): { id: string | number; line: string; expect: (result: unknown) => boolean } {
  const id = n % 2 === 0 ? n : `req-${n}`;
  const kind = n % 20;
  const text = kind === 13 ? `payload ${n} ${"y".repeat(70_000)}` : `payload ${n}`;
  const [method, params, expect]: [string, unknown, (result: unknown) => boolean] = kind < 14
    ? [
      "tools/call",
      { name: "echo", arguments: { text } },
      (r) => JSON.stringify(r) === JSON.stringify({ content: [{ type: "text", text }] }),
    ]
    : kind < 15
    ? [
      "tools/call",
      { name: "write_note", arguments: { note: text } },
      (r) => (r as { content: { text: string }[] }).content[0]!.text === `stored: ${text}`,
    ]
    : kind < 17
    ? ["ping", {}, (r) => JSON.stringify(r) === "{}"]
    : kind < 19
    ? ["tools/list", {}, (r) => (r as { tools: unknown[] }).tools.length === 14]
    : [
      "resources/read",
      { uri: "test://greeting" },
      (r) => JSON.stringify(r).includes("hello from the backend"),
    ];
  return { id, line: JSON.stringify({ jsonrpc: "2.0", id, method, params }), expect };
}

Deno.test(`${IN_FLIGHT} requests in flight, with random delays, 503s and 429s: each answered once, under its own id`, async () => {
  const backend = startBackend({ seed: 7 });
  const home = await makeAwsHome();
  const proxy = spawnRawProxy(backend.url, home.home, [
    ...BACKEND_SCOPE,
    "--allow-write",
    "--retries",
    "4",
  ]);
  let failed: unknown;
  try {
    await proxy.send(initializeLine("init"));
    assert("result" in await proxy.next());
    await proxy.send(INITIALIZED_LINE);
    Object.assign(backend.faults.settings, {
      maxDelayMs: 20,
      unavailableRate: 0.03,
      throttleRate: 0.02,
    });
    const requests = Array.from({ length: IN_FLIGHT }, (_, n) => request(n));
    const byId = new Map(requests.map((r) => [r.id, r]));
    // Sent while the answers are read, as a client does: the pipes hold far less than this.
    const sending = proxy.send(requests.map((r) => r.line).join("\n"));
    const answered = new Map<string | number, number>();
    const wrong: unknown[] = [];
    while ([...answered.values()].reduce((a, b) => a + b, 0) < IN_FLIGHT) {
      const message = await proxy.next(30_000);
      if (!("id" in message)) continue; // a notification
      const id = message.id as string | number;
      answered.set(id, (answered.get(id) ?? 0) + 1);
      const sent = byId.get(id);
      if (!sent || !("result" in message) || !sent.expect(message.result)) wrong.push(message);
    }
    await sending;
    assertEquals(wrong, [], "every answer is the right result for its id");
    assertEquals(answered.size, IN_FLIGHT, "every id was answered");
    assert([...answered.values()].every((count) => count === 1), "no id was answered twice");
    assert(
      backend.faults.counts.unavailable > 0 && backend.faults.counts.throttled > 0,
      "faults were injected",
    );
  } catch (error) {
    failed = error;
  }
  const { stdout, stderr } = await proxy.finish();
  await home.remove();
  await backend.close();
  if (failed) throw withProxyStderr(failed, stderr.slice(-3000));
  const late = stdout.trim().split("\n").filter((l) => l.includes('"id"'));
  assertEquals(late, [], "nothing arrived after the last answer");
});
