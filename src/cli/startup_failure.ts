/**
 * When the proxy cannot start, the MCP client has already sent `initialize`
 * and is waiting: exiting at once shows its user only "Connection closed".
 * So the reason is sent as the JSON-RPC error of that request first, then
 * the proxy exits.
 *
 * @module
 */
import { ErrorCode } from "../mcp_sdk.ts";
import { isRequest } from "../jsonrpc/message_kind.ts";
import { StdioTransport, type StdioTransportOptions } from "../transport/stdio/stdio_transport.ts";

/** How long to wait for the client's first request; clients send it as soon as they start us. */
const WAIT_MS = 3000;

/**
 * Answers the first request the client sends (normally `initialize`) with an
 * error carrying `reason`, then returns; returns at once on a terminal, where
 * no client is waiting, and after `waitMs` (3 s) or the end of stdin otherwise.
 */
export async function answerStartupFailure(
  reason: string,
  options: StdioTransportOptions & { waitMs?: number; terminal?: boolean } = {},
): Promise<void> {
  if (options.terminal ?? Deno.stdin.isTerminal()) return;
  const transport = new StdioTransport(options);
  const done = Promise.withResolvers<void>();
  const timer = setTimeout(done.resolve, options.waitMs ?? WAIT_MS);
  transport.onmessage = (message) => {
    if (!isRequest(message)) return;
    void transport.send({
      jsonrpc: "2.0",
      id: message.id,
      error: { code: ErrorCode.InternalError, message: `aws-mcp-proxy cannot start: ${reason}` },
    });
    done.resolve();
  };
  transport.onclose = () => done.resolve();
  await transport.start();
  await done.promise;
  clearTimeout(timer);
  await transport.close();
}
