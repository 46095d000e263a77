/**
 * What one `tools/call` costs on the server side of the proxy, by the way
 * its answer's event stream is read: the MCP SDK's Streamable HTTP client
 * transport (what the direct client runs, and the proxy ran before it owned
 * its exchange), the SDK's stream pipeline alone (`TextDecoderStream` into
 * `EventSourceParserStream`, on a plain signed fetch), and the proxy's own
 * transport (`StreamableHttp`: pooled buffers, whole lines, the SDK's
 * parser `eventsource-parser`). Each runs in a fresh process against the
 * test backend; the figures are the main thread's CPU time per sequential
 * call (from `/proc`, so a busy machine skews them less than wall time) and
 * calls per second at 32 in flight.
 *
 * ```sh
 * deno run --config tests/deno.json --allow-net=127.0.0.1 --allow-read --allow-env --allow-run bench/http_client_cost.ts
 * ```
 *
 * @module
 */
import type { EventSourceMessage } from "eventsource-parser";
import { EventSourceParserStream } from "eventsource-parser/stream";
import { StreamableHTTPClientTransport } from "../src/mcp_sdk.ts";
import type { JSONRPCMessage } from "../src/mcp_sdk.ts";
import { createSigningFetch } from "../src/aws/signer.ts";
import { StreamableHttp } from "../src/transport/http/streamable_http.ts";
import { SSE_RECONNECTION } from "../src/retry_policy.ts";
import { startBackendProgram } from "../tests/fixtures/server_process.ts";
import { EXAMPLE_KEY_ID, EXAMPLE_SECRET } from "../tests/fixtures/backend.ts";
import { initializeLine } from "../tests/fixtures/proxy_process.ts";

const MODES = ["sdk transport", "sdk pipeline", "proxy transport"] as const;
type Mode = typeof MODES[number];
const SEQUENTIAL = 3000;
const CONCURRENT = 6000;
const out = (line: string) => Deno.stdout.writeSync(new TextEncoder().encode(`${line}\n`));

/** The main thread's CPU milliseconds so far (Deno may read /proc only with --allow-all). */
function mainThreadCpuMs(): number {
  const stat = new TextDecoder().decode(
    new Deno.Command("cat", { args: [`/proc/${Deno.pid}/task/${Deno.pid}/stat`] }).outputSync()
      .stdout,
  );
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** One process's run: a session, then the calls, read the `mode` way. */
async function child(url: URL, mode: Mode): Promise<void> {
  const credentials = () =>
    Promise.resolve({ accessKeyId: EXAMPLE_KEY_ID, secretAccessKey: EXAMPLE_SECRET });
  const signed = createSigningFetch(fetch, {
    service: "execute-api",
    region: "us-east-1",
    credentials,
  });
  const transport = mode === "proxy transport"
    ? new StreamableHttp(url, { fetch: signed, reconnection: SSE_RECONNECTION })
    : new StreamableHTTPClientTransport(url, { fetch: signed });
  const waiting = new Map<unknown, () => void>();
  transport.onmessage = (message) => void ("id" in message && waiting.get(message.id)?.());
  await transport.start();
  const answered = (id: number) => new Promise<void>((resolve) => waiting.set(id, resolve));
  const initialized = answered(0);
  await transport.send(JSON.parse(initializeLine(0)));
  await initialized;
  await transport.send({ jsonrpc: "2.0", method: "notifications/initialized" });
  const headers = {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    "mcp-session-id": transport.sessionId!,
    "mcp-protocol-version": "2025-06-18",
  };
  let next = 0;
  const body = (id: number): JSONRPCMessage => ({
    jsonrpc: "2.0",
    id,
    method: "tools/call",
    params: { name: "echo", arguments: { text: "x" } },
  });
  const post = (id: number) =>
    signed(url, { method: "POST", headers, body: JSON.stringify(body(id)) });
  const answerOf = (id: number, event: EventSourceMessage) =>
    (JSON.parse(event.data) as { id?: unknown }).id === id;

  const throughTransport = async () => {
    const id = ++next;
    const answer = answered(id);
    await transport.send(body(id));
    await answer;
    waiting.delete(id);
  };
  const calls: Record<Mode, () => Promise<void>> = {
    "sdk transport": throughTransport,
    "proxy transport": throughTransport,
    "sdk pipeline": async () => {
      const id = ++next;
      const events = (await post(id)).body!.pipeThrough(new TextDecoderStream())
        .pipeThrough(new EventSourceParserStream()).getReader();
      let found = false;
      for (let read = await events.read(); !read.done; read = await events.read()) {
        found ||= answerOf(id, read.value);
      }
      if (!found) throw new Error(`no answer to ${id}`);
    },
  };
  const call = calls[mode];
  for (let i = 0; i < 300; i++) await call();
  const cpu0 = mainThreadCpuMs();
  for (let i = 0; i < SEQUENTIAL; i++) await call();
  const sequentialUs = (mainThreadCpuMs() - cpu0) / SEQUENTIAL * 1000;
  let started = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (started++ < CONCURRENT) await call();
  }));
  const perSecond = CONCURRENT / ((performance.now() - t0) / 1000);
  out(`| ${mode} | ${sequentialUs.toFixed(0)} | ${perSecond.toFixed(0)} |`);
  await transport.close();
}

if (Deno.args[0] === "--child") {
  await child(new URL(Deno.args[1]!), Deno.args[2] as Mode);
  Deno.exit(0); // the transport's event stream would keep the process alive
} else {
  const backend = await startBackendProgram(["--no-verify"]);
  out(
    "| how the answer is read | main-thread CPU µs per sequential call | calls/s at 32 in flight |",
  );
  out("| --- | --- | --- |");
  try {
    for (const round of [1, 2]) {
      for (const mode of MODES) {
        const run = await new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "--config",
            new URL("../tests/deno.json", import.meta.url).pathname,
            "--allow-net=127.0.0.1",
            "--allow-read",
            "--allow-env",
            "--allow-run",
            new URL(import.meta.url).pathname,
            "--child",
            backend.url.href,
            mode,
          ],
          stdout: "piped",
          stderr: "inherit",
        }).output();
        if (!run.success) throw new Error(`${mode} (round ${round}) failed`);
        Deno.stdout.writeSync(run.stdout);
      }
    }
  } finally {
    await backend.stop();
  }
}
