import { assertEquals, assertMatch, assertRejects } from "./assert.ts";
import { createRetryingFetch } from "../src/transport/http/retrying_fetch.ts";
import { createLogger } from "../src/log.ts";

type Script = (attempt: number) => Response | Promise<Response> | "hang" | "drop";

/** A loopback server that answers the n-th request with `script(n)` and counts attempts. */
function scriptedServer(script: Script) {
  let attempts = 0;
  const bodies: string[] = [];
  const hanging: (() => void)[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      bodies.push(await request.text());
      const answer = script(attempts++);
      if (answer === "hang") {
        // Held until the server closes, which lets it go so that shutdown does not wait on it.
        await new Promise<void>((resolve) => hanging.push(resolve));
        return new Response(null, { status: 499 });
      }
      if (answer === "drop") throw new Error("dropped on purpose");
      return answer;
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}/mcp`,
    get attempts() {
      return attempts;
    },
    bodies,
    close: () => {
      for (const release of hanging) release();
      return server.shutdown();
    },
  };
}

function patientFetch(canResend?: (body: string) => boolean, timeoutMs = 5000) {
  const lines: string[] = [];
  const waits: number[] = [];
  const fetch_ = createRetryingFetch(fetch, {
    timeoutMs,
    policy: { retries: 2, baseDelayMs: 100, maxDelayMs: 1000 },
    random: () => 0.5,
    sleep: (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
    ...(canResend ? { canResend } : {}),
    logger: createLogger({ level: "debug", write: (line) => lines.push(line) }),
  });
  return { fetch: fetch_, lines, waits };
}

const CALL = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "x" } });
const notToolCalls = (body: string) => !body.includes('"tools/call"');

Deno.test("a 503 then a 200 is retried after backoff and the caller sees only the 200", async () => {
  const server = scriptedServer((n) =>
    new Response(n === 0 ? "busy" : "ok", { status: n === 0 ? 503 : 200 })
  );
  const { fetch: f, waits, lines } = patientFetch();
  try {
    const response = await f(server.url, { method: "POST", body: CALL });
    assertEquals(await response.text(), "ok");
    assertEquals(server.attempts, 2);
    assertEquals(server.bodies, [CALL, CALL], "the same body is sent again");
    assertEquals(waits, [50]);
    assertMatch(lines.join("\n"), /POST HTTP 503 \(unavailable\); retry 1 of 2 in 50 ms/);
  } finally {
    await server.close();
  }
});

Deno.test("Retry-After sets the wait; retries stop after the policy's number and the last answer is returned", async () => {
  const server = scriptedServer(() =>
    new Response("slow down", { status: 429, headers: { "retry-after": "1" } })
  );
  const { fetch: f, waits } = patientFetch();
  try {
    const response = await f(server.url, { method: "POST", body: CALL });
    assertEquals(response.status, 429);
    assertEquals(await response.text(), "slow down");
    assertEquals(server.attempts, 3);
    assertEquals(waits, [1000, 1000]);
  } finally {
    await server.close();
  }
});

Deno.test("a 504 for a tools/call is not resent unless the call is safe to run twice", async () => {
  const server = scriptedServer((n) => new Response("", { status: n === 0 ? 504 : 200 }));
  try {
    const strict = patientFetch(notToolCalls);
    assertEquals((await strict.fetch(server.url, { method: "POST", body: CALL })).status, 504);
    assertEquals(server.attempts, 1, "the tools/call was sent once");
    const list = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" });
    const again = await strict.fetch(server.url, { method: "POST", body: list });
    assertEquals(again.status, 200, "200 on the second attempt");
  } finally {
    await server.close();
  }
});

Deno.test("a connection refused is retried, even for a tools/call, and then reported", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  const { fetch: f, waits } = patientFetch(notToolCalls);
  await assertRejects(
    () => f(`http://127.0.0.1:${port}/mcp`, { method: "POST", body: CALL }),
    (e: Error) => e instanceof TypeError,
  );
  assertEquals(waits.length, 2, "both retries were used");
});

Deno.test("a response that does not come within the timeout is retried only when resendable", async () => {
  const server = scriptedServer((n) => (n === 0 ? "hang" : new Response("late but fine")));
  try {
    const strict = patientFetch(notToolCalls, 200);
    await assertRejects(
      () => strict.fetch(server.url, { method: "POST", body: CALL }),
      (e: Error) => e.name === "TimeoutError" && /no response within 0.2 s/.test(e.message),
    );
    assertEquals(server.attempts, 1);
    const get = await strict.fetch(server.url, { method: "GET" });
    assertEquals(await get.text(), "late but fine");
  } finally {
    await server.close();
  }
});

Deno.test("a caller's abort is not retried", async () => {
  const server = scriptedServer(() => "hang");
  const { fetch: f, waits } = patientFetch();
  try {
    const controller = new AbortController();
    const sent = f(server.url, { method: "GET", signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await assertRejects(() => sent, (e: Error) => e.name === "AbortError");
    assertEquals(waits, []);
  } finally {
    await server.close();
  }
});
