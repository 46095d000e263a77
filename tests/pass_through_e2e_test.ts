/**
 * End-to-end: answers that no policy reads reach the client intact, over SSE
 * streams and JSON bodies alike, in stream order and exactly once, each as one
 * line a JSON parser reads.
 */
import { assert, assertEquals, assertRejects } from "./assert.ts";
import { startBackend } from "./fixtures/backend.ts";
import {
  BACKEND_SCOPE,
  connectThroughProxy,
  INITIALIZED_LINE,
  initializeLine,
  makeAwsHome,
  spawnRawProxy,
  withProxyStderr,
} from "./fixtures/proxy_process.ts";
import { texts } from "./fixtures/proxy_run.ts";

const SCOPE = [...BACKEND_SCOPE];

for (const jsonResponse of [false, true]) {
  const bodies = jsonResponse ? "JSON bodies" : "SSE streams";

  for (const pad of [0, 100_000]) {
    const size = pad === 0 ? "a small answer" : "a large answer";
    Deno.test(`over ${bodies}, ${size}, after the progress before it`, async () => {
      const backend = startBackend({ jsonResponse });
      const home = await makeAwsHome();
      const proxy = spawnRawProxy(backend.url, home.home, [...SCOPE, "--log-level", "debug"]);
      try {
        await proxy.send(initializeLine(1));
        await proxy.next();
        await proxy.send(INITIALIZED_LINE);
        await proxy.send(JSON.stringify({
          jsonrpc: "2.0",
          id: "call-1",
          method: "tools/call",
          params: {
            name: "count_down",
            arguments: { steps: 3, pad },
            _meta: { progressToken: "t" },
          },
        }));
        // A JSON body carries the answer alone (the backend's SDK drops the progress).
        const lines = [];
        for (let i = 0; i < (jsonResponse ? 1 : 4); i++) lines.push(await proxy.nextLine());
        const answer = lines.at(-1)!;
        assertEquals(JSON.parse(answer), {
          jsonrpc: "2.0",
          id: "call-1",
          result: { content: [{ type: "text", text: `counted 3${".".repeat(pad)}` }] },
        });
        assertEquals(
          lines.slice(0, -1).map((line) => JSON.parse(line).params),
          [1, 2, 3].slice(0, lines.length - 1).map((progress) => ({
            progressToken: "t",
            progress,
            total: 3,
          })),
        );
        await proxy.finish();
      } catch (error) {
        throw withProxyStderr(error, (await proxy.finish()).stderr);
      } finally {
        await proxy.finish();
        await home.remove();
        await backend.close();
      }
    });
  }

  Deno.test(`over ${bodies}, large, multi-byte, concurrent and failed answers arrive intact, once`, async () => {
    const backend = startBackend({ jsonResponse });
    const run = await connectThroughProxy(backend.url, { args: SCOPE });
    try {
      const big = await run.client.callTool({
        name: "big_result",
        arguments: { bytes: 3_000_000 },
      });
      assertEquals(texts(big), "x".repeat(3_000_000));
      const text = 'héllo ✓ 😀 \u2028 "quoted" \\ '.repeat(40_000);
      assertEquals(texts(await run.client.callTool({ name: "echo", arguments: { text } })), text);
      const calls = Array.from(
        { length: 30 },
        (_, i) => run.client.callTool({ name: "echo", arguments: { text: `call ${i}` } }),
      );
      assertEquals((await Promise.all(calls)).map(texts), calls.map((_, i) => `call ${i}`));
      const read = await run.client.readResource({ uri: "test://greeting" });
      assertEquals((read.contents[0] as { text: string }).text, "hello from the backend");
      await assertRejects(
        () => run.client.readResource({ uri: "test://missing" }),
        /Resource not found/,
      );
      await run.client.ping();
      // What the proxy reads still goes through its policy.
      const names = (await run.client.listTools()).tools.map((t) => t.name);
      assert(!names.includes("write_note"), names.join());
    } catch (error) {
      throw withProxyStderr(error, run.stderr());
    } finally {
      await run.close();
      await backend.close();
    }
  });
}
