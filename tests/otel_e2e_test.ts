/**
 * End-to-end: OpenTelemetry through Deno's built-in support, as a user turns
 * it on (`OTEL_DENO=true` and the standard `OTEL_*` variables), exported to
 * an OTLP/HTTP receiver this test runs on loopback.
 */
import { assert, assertEquals } from "./assert.ts";
import { rawRun } from "./fixtures/proxy_run.ts";
import { INITIALIZED_LINE, initializeLine, toolCallLine } from "./fixtures/proxy_process.ts";

interface Attribute {
  key: string;
  value: Record<string, unknown>;
}
interface OtlpSpan {
  name: string;
  spanId: string;
  parentSpanId: string;
  attributes: Attribute[];
}

/** An OTLP/HTTP (JSON) receiver: what it was sent, by signal. */
function startReceiver() {
  const traces: OtlpSpan[] = [];
  const metrics: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const body = await req.json();
    const path = new URL(req.url).pathname;
    if (path === "/v1/traces") {
      for (const rs of body.resourceSpans ?? []) {
        for (const ss of rs.scopeSpans ?? []) traces.push(...ss.spans);
      }
    } else if (path === "/v1/metrics") metrics.push(JSON.stringify(body));
    return Response.json({});
  });
  const url = `http://127.0.0.1:${(server.addr as Deno.NetAddr).port}`;
  return { url, traces, metrics, close: () => server.shutdown() };
}

const attr = (span: OtlpSpan, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value === undefined ? undefined : Object.values(value)[0];
};

Deno.test("with OTEL_DENO=true each request is a span, parent of its signed fetch, with no argument or secret in it", async () => {
  const receiver = startReceiver();
  try {
    const out = await rawRun({
      onBackend: (backend) => backend.faults.failNext(503, 1, "tools/call"),
      env: {
        OTEL_DENO: "true",
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        OTEL_SERVICE_NAME: "aws-mcp-proxy-test",
      },
    }, async (proxy) => {
      await proxy.send(initializeLine(1));
      await proxy.next();
      await proxy.send(INITIALIZED_LINE);
      await proxy.send(toolCallLine(2, "echo", { text: "argument-value-never-traced" }));
      assert((await proxy.next()).result);
      await proxy.send(toolCallLine(3, "write_note", { note: "x" }));
      assert((await proxy.next()).error, "refused in read-only mode");
    });
    for (const line of out.stdout.split("\n").filter((l) => l !== "")) JSON.parse(line);
    const deadline = Date.now() + 5000;
    while (receiver.metrics.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const calls = receiver.traces.filter((s) => s.name === "mcp tools/call");
    const echo = calls.find((s) => attr(s, "mcp.tool.name") === "echo");
    const refused = calls.find((s) => attr(s, "mcp.tool.name") === "write_note");
    assert(echo && refused, JSON.stringify(receiver.traces.map((s) => s.name)));
    assertEquals([attr(echo, "mcp.outcome"), attr(refused, "mcp.outcome")], ["ok", "error"]);
    assertEquals(attr(echo, "mcp.resends"), "1", "the 503 was retried once");
    assertEquals(attr(refused, "rpc.jsonrpc.error_code"), -32602);
    const fetches = receiver.traces.filter((s) => s.parentSpanId === echo.spanId);
    // The refused first POST and its retry at least (a tool-list load it waits for joins them).
    assert(
      fetches.filter((s) => s.name === "POST").length >= 2,
      JSON.stringify(receiver.traces.map((s) => [s.name, s.spanId, s.parentSpanId])),
    );
    const everything = JSON.stringify(receiver.traces);
    for (const secret of ["argument-value-never-traced", "AKIDEXAMPLE", "Signature="]) {
      assert(!everything.includes(secret), `${secret} in a span`);
    }
    assert(
      receiver.metrics.some((m) => m.includes("mcp.tool.duration") && m.includes('"echo"')),
      "a duration histogram per tool",
    );
  } finally {
    await receiver.close();
  }
});
