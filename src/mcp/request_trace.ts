/**
 * OpenTelemetry through Deno's built-in support (`OTEL_DENO=true` and the
 * standard `OTEL_*` variables): one span per client request, active while
 * the request is judged and sent, so the fetch spans Deno makes for it are
 * its children, and a histogram of call durations per tool. Attributes name
 * the method, the tool, the outcome, the resends, the HTTP status of a
 * failure and the protocol revision; never an argument value nor anything secret.
 *
 * When Deno's telemetry is off its tracer refuses to start a span; the first
 * refusal turns this module off for good, so an untraced proxy pays one
 * failed call, once.
 *
 * @module
 */
import type { JSONRPCMessage, JSONRPCRequest } from "../mcp_sdk.ts";
import { PROTOCOL_VERSION_META_KEY } from "../mcp_sdk.ts";

/** The parts of a span this module uses (Deno's implements OpenTelemetry's `Span`). */
interface Span {
  setAttribute(key: string, value: string | number | boolean): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  end(): void;
}

/** What one traced request needs at its end. */
export interface RequestSpan {
  /**
   * Ends the span with what `reply` says (`undefined`: cancelled, no answer)
   * and the `resends` the request caused (retries, re-signs, resends).
   */
  end(reply: JSONRPCMessage | undefined, resends: number): void;
}

const STATUS_ERROR = 2;

/** The spans and the duration histogram; see the module doc. */
export class RequestTrace {
  #on = true;
  #tracer = Deno.telemetry.tracerProvider.getTracer("aws-mcp-proxy");
  #durations:
    | { record(value: number, attributes: Record<string, string>): void }
    | undefined;

  /**
   * Runs `send` for `request` inside a new span, after giving `register` the
   * span's end; when tracing is off, only runs `send`.
   */
  around(request: JSONRPCRequest, send: () => void, register: (span: RequestSpan) => void): void {
    if (!this.#on) return send();
    let ran = false;
    try {
      this.#tracer.startActiveSpan(`mcp ${request.method}`, { kind: 2 }, (span: Span) => {
        ran = true;
        register(this.#spanOf(request, span));
        send();
      });
    } catch (error) {
      if (ran) throw error;
      // Telemetry is off: Deno's tracer refuses to start a span.
      this.#on = false;
      send();
    }
  }

  #spanOf(request: JSONRPCRequest, span: Span): RequestSpan {
    const name = (request.params as { name?: unknown } | undefined)?.name;
    const tool = request.method === "tools/call" && typeof name === "string" ? name : undefined;
    const revision = (request.params?._meta as Record<string, unknown> | undefined)
      ?.[PROTOCOL_VERSION_META_KEY];
    const started = performance.now();
    span.setAttribute("mcp.method", request.method);
    if (tool !== undefined) span.setAttribute("mcp.tool.name", tool);
    if (typeof revision === "string") span.setAttribute("mcp.protocol.version", revision);
    return {
      end: (reply, resends) => {
        span.setAttribute("mcp.resends", resends);
        const outcome = reply === undefined ? "cancelled" : "error" in reply ? "error" : "ok";
        span.setAttribute("mcp.outcome", outcome);
        if (reply !== undefined && "error" in reply) {
          span.setAttribute("rpc.jsonrpc.error_code", reply.error.code);
          const status = (reply.error.data as { httpStatus?: unknown } | undefined)?.httpStatus;
          if (typeof status === "number") span.setAttribute("http.response.status_code", status);
          span.setStatus({ code: STATUS_ERROR });
        }
        span.end();
        if (tool === undefined) return;
        const durations = this.#durations ??= Deno.telemetry.meterProvider
          .getMeter("aws-mcp-proxy")
          .createHistogram("mcp.tool.duration", {
            unit: "ms",
            description: "tools/call, answered",
          });
        durations.record(performance.now() - started, { "mcp.tool.name": tool, outcome });
      },
    };
  }
}
