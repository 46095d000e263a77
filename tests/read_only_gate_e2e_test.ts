/**
 * End-to-end: the tool gate on every path a call can take, through the real
 * proxy with the README's permissions. A refusal is proven by counting the
 * calls that reached the backend, not by the client's error alone.
 */
import { assert, assertEquals, assertMatch, assertRejects } from "./assert.ts";
import type { Backend } from "./fixtures/backend.ts";
import {
  BACKEND_SCOPE,
  INITIALIZED_LINE,
  initializeLine,
  type ProxyClient,
} from "./fixtures/proxy_process.ts";
import { rawRun, texts, waitFor, withProxy } from "./fixtures/proxy_run.ts";
import { ToolListChangedNotificationSchema } from "./fixtures/sdk.ts";

/** Waits until the proxy has its first tool list, so faults set after it hit only reloads. */
function discovered(run: ProxyClient): Promise<void> {
  return waitFor(() => /the server offers \d+ tools/.test(run.stderr()));
}

function add(run: ProxyClient) {
  return run.client.callTool({ name: "add", arguments: { a: 1, b: 2 } });
}

/**
 * Changes `add`'s hint on the backend's standalone GET stream (out of band),
 * and resolves once the client has heard of it. The GET stream opens just
 * after `initialized`, so the change is announced again until it is heard.
 */
async function flipOutOfBand(run: ProxyClient, backend: Backend, readOnly: boolean) {
  let heard = false;
  run.client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    heard = true;
  });
  for (let attempt = 0; !heard; attempt++) {
    if (attempt === 50) throw new Error("the client never heard of the change");
    await backend.setReadOnly("add", readOnly);
    await waitFor(() => heard, 200).catch(() => {});
  }
}

Deno.test("a tool that loses readOnlyHint on a call's own stream is refused at once, and never reaches the server", async () => {
  await withProxy(async (run, backend) => {
    assertEquals(texts(await add(run)), "3");
    // A slow tools/list widens the window in which a stale verdict could slip through.
    backend.toolsListDelayMs = 300;
    await run.client.callTool({
      name: "set_read_only",
      arguments: { name: "add", read_only: false },
    });
    await assertRejects(() => add(run), /"add" is hidden by the proxy \(readOnlyHint: false\)/);
    assertEquals(backend.callsOf("add"), 1, "the refused call never reached the server");

    await run.client.callTool({
      name: "set_read_only",
      arguments: { name: "add", read_only: true },
    });
    assertEquals(texts(await add(run)), "3", "the tool is callable again once it is read-only");
    assertEquals(backend.callsOf("add"), 2);
  });
});

Deno.test("a tool that loses readOnlyHint on the standalone stream is refused from the moment the client hears of it", async () => {
  await withProxy(async (run, backend) => {
    assertEquals(texts(await add(run)), "3");
    backend.toolsListDelayMs = 300;
    await flipOutOfBand(run, backend, false);
    await assertRejects(() => add(run), /"add" is hidden by the proxy/);
    assertEquals(backend.callsOf("add"), 1, "the refused call never reached the server");
    assert((await run.client.listTools()).tools.every((t) => t.name !== "add"));
  });
});

Deno.test("a call after a change whose tool list cannot be loaded is refused, saying why, and never sent", async () => {
  await withProxy(async (run, backend) => {
    await discovered(run);
    backend.faults.failNext(503, 3, "tools/list");
    // The tool stays read-only: only the announcement matters.
    await run.client.callTool({
      name: "set_read_only",
      arguments: { name: "add", read_only: true },
    });
    await assertRejects(
      () => add(run),
      /cannot load the server's tool list to judge tools\/call add/,
    );
    assertEquals(backend.callsOf("add"), 0);
    // Each later call tries the list again; once it loads, the call goes through.
    let result = "";
    for (let attempt = 0; attempt < 4 && result === ""; attempt++) {
      result = await add(run).then(texts, () => "");
    }
    assertEquals(result, "3");
    assertEquals(backend.callsOf("add"), 1);
  }, { args: ["--retries", "0"] });
});

Deno.test("a call after a change waits at most --timeout for the new list, then is refused", async () => {
  await withProxy(async (run, backend) => {
    await discovered(run);
    backend.toolsListDelayMs = 4000;
    await run.client.callTool({
      name: "set_read_only",
      arguments: { name: "add", read_only: true },
    });
    const started = Date.now();
    await assertRejects(() => add(run), /no answer within 1 s/);
    assert(Date.now() - started < 3000, "refused at the timeout, not after the slow list");
    assertEquals(backend.callsOf("add"), 0);
    backend.toolsListDelayMs = 0;
  }, { args: ["--timeout", "1", "--retries", "0"] });
});

Deno.test("a call sent while the session is renewed is judged on the new session's list", async () => {
  await withProxy(async (run, backend) => {
    assertEquals(texts(await add(run)), "3");
    // The backend forgets the session and, unannounced, stops calling add read-only.
    await backend.expireSessions();
    await backend.setReadOnly("add", false);
    await assertRejects(() => add(run), /"add" is hidden by the proxy/);
    assertEquals(backend.callsOf("add"), 1, "the call was not sent on the new session");
    await waitFor(() => /new session started/.test(run.stderr()));
  });
});

Deno.test("requests that need no gate are not held by a slow tool-list reload", async () => {
  await withProxy(async (run, backend) => {
    await discovered(run);
    backend.toolsListDelayMs = 2000;
    await run.client.callTool({
      name: "set_read_only",
      arguments: { name: "add", read_only: true },
    });
    const started = Date.now();
    await run.client.ping();
    await run.client.listResources();
    assert(Date.now() - started < 1000, "ping and resources/list did not wait for tools/list");
    backend.toolsListDelayMs = 0;
  });
});

async function notificationCall(args: string[]) {
  let backend: Backend | undefined;
  const out = await rawRun({
    args: [...BACKEND_SCOPE, ...args],
    onBackend: (b) => (backend = b),
  }, async (proxy) => {
    await proxy.send(initializeLine(1));
    await proxy.next();
    await proxy.send(INITIALIZED_LINE);
    await proxy.send(JSON.stringify({
      jsonrpc: "2.0",
      method: "tools/call",
      params: { name: "write_note", arguments: { note: "sent without an id" } },
    }));
    // A request after it: once it is answered, the notification was handled.
    await proxy.send(JSON.stringify({ jsonrpc: "2.0", id: 2, method: "ping" }));
    assertEquals((await proxy.next()).id, 2);
    await new Promise((r) => setTimeout(r, 200));
  });
  // Counted at the HTTP door: the MCP server itself ignores a tools/call without an id.
  const calls = backend!.seen.filter((r) => r.rpc.includes("tools/call")).length;
  return { out, calls };
}

Deno.test("a tools/call sent as a notification never leaves while any tool filter applies", async () => {
  for (
    const args of [
      [],
      ["--allow-tool", "add"],
      ["--allow-write", "--exclude-tool", "delete_*"],
      ["--allow-write", "--include-tool", "write_note"],
    ]
  ) {
    const { out, calls } = await notificationCall(args);
    assertEquals(
      calls,
      0,
      `with ${args.join(" ") || "no flags"} the call never reached the server`,
    );
    assertMatch(out.stderr, /WARN dropped a tools\/call of "write_note" sent as a notification/);
    assertEquals(out.stdout, "", "a notification gets no answer");
  }
  // With no filter at all the proxy is a plain bridge, and the notification passes.
  assertEquals((await notificationCall(["--allow-write"])).calls, 1);
});

Deno.test("--allow-tool lists and calls a tool without readOnlyHint in read-only mode; --exclude-tool still wins", async () => {
  await withProxy(async (run, backend) => {
    const names = (await run.client.listTools()).tools.map((t) => t.name);
    assert(names.includes("delete_everything"), "the trusted tool is listed");
    assert(!names.includes("write_note"), "an untrusted write tool stays hidden");
    assertEquals(
      texts(await run.client.callTool({ name: "delete_everything", arguments: {} })),
      "deleted",
    );
    await assertRejects(
      () => run.client.callTool({ name: "write_note", arguments: { note: "x" } }),
      /--allow-tool write_note to trust this tool, or --allow-write/,
    );
    assertEquals(backend.callsOf("write_note"), 0);
  }, { args: ["--allow-tool", "delete_*"] });

  await withProxy(async (run, backend) => {
    const names = (await run.client.listTools()).tools.map((t) => t.name);
    assert(!names.includes("delete_everything"));
    await assertRejects(
      () => run.client.callTool({ name: "delete_everything", arguments: {} }),
      /matches --exclude-tool delete_everything/,
    );
    assertEquals(backend.callsOf("delete_everything"), 0);
  }, { args: ["--allow-tool", "delete_*", "--exclude-tool", "delete_everything"] });
});

Deno.test("on a server that annotates nothing, read-only mode says at start and after each reload how to get tools", async () => {
  const warning =
    /WARN read-only mode hides every one of the server's \d+ tools: \d+ lack readOnlyHint: true\. Pass --allow-tool NAME for tools you trust \(such as --allow-tool echo\), or --allow-write to expose all/g;
  await withProxy(async (run, backend) => {
    await waitFor(() => (run.stderr().match(warning) ?? []).length === 1);
    assertEquals((await run.client.listTools()).tools, []);
    await backend.setReadOnly("add", undefined); // announced: the proxy reloads the list
    await waitFor(() => (run.stderr().match(warning) ?? []).length === 2);
  }, { backend: { annotations: false } });

  await withProxy(async (run) => {
    assertEquals((await run.client.listTools()).tools.map((t) => t.name), ["echo"]);
    assertEquals(
      texts(await run.client.callTool({ name: "echo", arguments: { text: "hi" } })),
      "hi",
    );
    assertMatch(run.stderr(), /INFO --allow-tool would admit: add, slow_echo, /);
    assert(!run.stderr().includes("WARN read-only mode hides"));
  }, { backend: { annotations: false }, args: ["--allow-tool", "echo"] });
});
