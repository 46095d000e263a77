import { assert, assertEquals, assertMatch } from "./assert.ts";
import { startBackend } from "./fixtures/backend.ts";
import { connectThroughProxy } from "./fixtures/proxy_process.ts";

Deno.test("initialize, list and call a read-only tool through the proxy", async () => {
  const backend = startBackend();
  const run = await connectThroughProxy(backend.url, { args: ["--service", "execute-api", "--region", "us-east-1"] });
  try {
    assertEquals(run.client.getServerVersion()?.name, "sigv4-test-backend");
    const { tools } = await run.client.listTools();
    assert(tools.every((t) => t.annotations?.readOnlyHint === true));
    assert(tools.some((t) => t.name === "echo"));
    const result = await run.client.callTool({ name: "echo", arguments: { text: "hi" } });
    assertEquals(result.content, [{ type: "text", text: "hi" }]);
    assert(backend.seen.length > 0 && backend.seen.every((r) => r.verified), "every request is signed");
  } finally {
    await run.close();
    await backend.close();
  }
  console.error(run.stderr());
  assertMatch(run.stderr(), /hidden/);
});
