import { assertEquals, assertMatch } from "./assert.ts";
import { RenewingRemote } from "../src/transport/http/renewing_remote.ts";
import { RequestTable } from "../src/mcp/request_table.ts";
import type {
  RemoteSendOptions,
  SessionTransport,
} from "../src/transport/http/remote_transport.ts";
import { sessionGone } from "../src/retry_policy.ts";
import { createLogger } from "../src/log.ts";
import { SdkErrorCode } from "@modelcontextprotocol/client";
import { type JSONRPCMessage, type JSONRPCRequest, SdkHttpError } from "../src/mcp_sdk.ts";

/** The error the SDK's transport throws for an HTTP status, with the body it read. */
function httpError(status: number, body: string): SdkHttpError {
  return new SdkHttpError(
    SdkErrorCode.ClientHttpNotImplemented,
    `Error POSTing to endpoint: ${body}`,
    {
      status,
      text: body,
    },
  );
}

/**
 * An in-memory backend with sessions, for the session logic alone (the
 * end-to-end tests run the real transport against a real server). Requests
 * are answered on a later tick, or held while `hold` is set.
 */
class FakeBackend {
  sessions = new Set<string>();
  initializes: unknown[] = [];
  received: { session: string | undefined; message: JSONRPCMessage }[] = [];
  down = false;
  hold = false;
  held: (() => void)[] = [];
  #next = 0;

  open = (): SessionTransport => new FakeTransport(this);

  expire(): void {
    this.sessions.clear();
  }

  async handle(transport: FakeTransport, message: JSONRPCMessage): Promise<void> {
    await Promise.resolve();
    if (this.down) throw new TypeError("fetch failed: connection refused");
    if (transport.sessionId && !this.sessions.has(transport.sessionId)) {
      throw httpError(404, "Session not found");
    }
    this.received.push({ session: transport.sessionId, message });
    if (!("method" in message) || !("id" in message)) return;
    if (message.method === "initialize") {
      this.initializes.push(message.params);
      transport.sessionId = `s${++this.#next}`;
      this.sessions.add(transport.sessionId);
    }
    const answer = () =>
      transport.onmessage?.({
        jsonrpc: "2.0",
        id: message.id,
        result: message.method === "initialize"
          ? {
            protocolVersion: "2025-06-18",
            capabilities: {},
            serverInfo: { name: "f", version: "1" },
          }
          : { answered: message.method },
      });
    if (this.hold && message.method !== "initialize") this.held.push(answer);
    else setTimeout(answer, 0);
  }
}

class FakeTransport implements SessionTransport {
  sessionId: string | undefined;
  protocolVersion: string | undefined;
  closed = false;
  onmessage?: (message: JSONRPCMessage) => void;
  onerror?: (error: Error) => void;
  onclose?: () => void;
  constructor(readonly backend: FakeBackend) {}
  start(): Promise<void> {
    return Promise.resolve();
  }
  /** The `requestSignal` each request was sent with, by id. */
  signals = new Map<unknown, AbortSignal | undefined>();
  /** The `onRequestStreamEnd` each request was sent with, by id. */
  ends = new Map<unknown, (() => void) | undefined>();
  send(message: JSONRPCMessage, options?: RemoteSendOptions): Promise<void> {
    if ("id" in message && "method" in message) {
      this.signals.set(message.id, options?.requestSignal);
      this.ends.set(message.id, options?.onRequestStreamEnd);
    }
    return this.backend.handle(this, message);
  }
  setProtocolVersion(version: string): void {
    this.protocolVersion = version;
  }
  terminateSession(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    this.closed = true;
    this.onclose?.();
    return Promise.resolve();
  }
}

const INIT_PARAMS = {
  protocolVersion: "2025-06-18",
  capabilities: { roots: {} },
  clientInfo: { name: "the-client", version: "7" },
};

/** A RenewingRemote on `backend`, initialized like a client would, collecting what it delivers. */
async function connected(
  backend: FakeBackend,
  canReplay: (request: JSONRPCRequest) => boolean = () => true,
) {
  const lines: string[] = [];
  // The relay's table, which holds each request's one record; the answer takes it, as the relay does.
  const requests = new RequestTable({ timeoutMs: 60_000 });
  const remote = new RenewingRemote({
    requests,
    open: backend.open,
    canReplay,
    timeoutMs: 1000,
    logger: createLogger({ level: "debug", write: (line) => lines.push(line) }),
  });
  const delivered: JSONRPCMessage[] = [];
  const waiting = new Map<unknown, (message: JSONRPCMessage) => void>();
  remote.onmessage = (message) => {
    delivered.push(message);
    if ("id" in message && message.id !== undefined) {
      requests.take(message.id);
      waiting.get(message.id)?.(message);
    }
  };
  await remote.start();
  const request = async (id: number | string, method: string) => {
    const answer = new Promise<JSONRPCMessage>((resolve) => waiting.set(id, resolve));
    requests.track(id, method, () => {});
    await remote.send({ jsonrpc: "2.0", id, method, params: {} }).catch((error) => {
      requests.take(id);
      throw error;
    });
    return answer;
  };
  const init = new Promise<JSONRPCMessage>((resolve) => waiting.set(0, resolve));
  requests.track(0, "initialize", () => {});
  await remote.send({ jsonrpc: "2.0", id: 0, method: "initialize", params: INIT_PARAMS });
  await init;
  remote.setProtocolVersion("2025-06-18");
  await remote.send({ jsonrpc: "2.0", method: "notifications/initialized" });
  return { remote, delivered, request, lines, requests };
}

Deno.test("requests that find the session gone renew it once, with the client's parameters, and go through", async () => {
  const backend = new FakeBackend();
  const { remote, request, lines } = await connected(backend);
  backend.expire();
  const answers = await Promise.all([request(1, "tools/list"), request(2, "ping")]);
  assertEquals(answers.map((a) => (a as { result: unknown }).result), [
    { answered: "tools/list" },
    { answered: "ping" },
  ]);
  assertEquals(backend.initializes, [INIT_PARAMS, INIT_PARAMS], "one renewal for both");
  assertEquals(remote.sessionId, "s2");
  const onNewSession = backend.received.filter((r) => r.session === "s2").map((r) =>
    "method" in r.message ? r.message.method : "response"
  );
  assertEquals(onNewSession.slice(0, 1), ["notifications/initialized"]);
  assertMatch(lines.join("\n"), /the server ended the session; starting a new one/);
});

Deno.test("a renewal that fails fails the request; the next request renews again", async () => {
  const backend = new FakeBackend();
  const { request, remote } = await connected(backend);
  backend.expire();
  backend.down = true;
  let failure: unknown;
  await request(1, "ping").catch((error) => (failure = error));
  assertMatch(String(failure), /connection refused/);
  backend.down = false;
  const answer = await request(2, "ping");
  assertEquals((answer as { result: unknown }).result, { answered: "ping" });
  assertEquals(remote.sessionId, "s2");
});

Deno.test("answers due on an ended session: replayed when safe, else answered with what is known", async () => {
  const backend = new FakeBackend();
  const { request } = await connected(backend, (r) => r.method !== "tools/call");
  backend.hold = true;
  const safe = request("safe", "resources/read");
  const unsafe = request("unsafe", "tools/call");
  await new Promise((resolve) => setTimeout(resolve, 5));
  // The session ends with both answers still due; they will never come on it.
  backend.hold = false;
  backend.held = [];
  backend.expire();
  // The next message finds the session gone and renews it.
  assertEquals((await request(3, "ping") as { result: unknown }).result, { answered: "ping" });
  assertEquals((await safe as { result: unknown }).result, { answered: "resources/read" });
  assertMatch(
    ((await unsafe) as { error: { message: string } }).error.message,
    /session ended while tools\/call was in flight; it may or may not have run/,
  );
  const calls = backend.received.filter((r) =>
    "method" in r.message && r.message.method === "tools/call"
  );
  assertEquals(calls.length, 1, "the tools/call was not sent again");
});

Deno.test("a lost session is told by 404, or by 400 with a body that says so; nothing else", () => {
  const error = (code: number, body: string) => httpError(code, body);
  const gone = [
    error(404, "Session not found"),
    error(400, '{"error":{"message":"Bad Request: No valid session ID provided"}}'),
    error(400, '{"error":{"message":"Bad Request: Server not initialized"}}'),
    error(400, "Invalid session"),
  ];
  for (const e of gone) assertEquals(sessionGone(e, true), true, e.message);
  assertEquals(sessionGone(gone[0], false), false, "a request without a session lost none");
  const kept = [
    error(400, '{"error":{"message":"Parse error"}}'),
    error(400, "Missing MCP-Protocol-Version header"),
    error(403, "Session token invalid"),
    new Error("No valid session ID provided"),
  ];
  for (const e of kept) assertEquals(sessionGone(e, true), false, e.message);
});

Deno.test("in a stateless exchange, an abandoned request has its stream closed and is never sent again, even when its stream then ends", async () => {
  const backend = new FakeBackend();
  let transport: FakeTransport | undefined;
  backend.open = () => (transport = new FakeTransport(backend));
  // No initialize: no session, as with a 2026-07-28 client.
  const requests = new RequestTable({ timeoutMs: 60_000 });
  const remote = new RenewingRemote({
    requests,
    open: backend.open,
    canReplay: () => true,
    timeoutMs: 1000,
    logger: createLogger({ write: () => {} }),
  });
  await remote.start();
  backend.hold = true;
  requests.track("slow", "resources/read", () => {});
  await remote.send({ jsonrpc: "2.0", id: "slow", method: "resources/read", params: {} });
  const signal = transport!.signals.get("slow");
  assertEquals(signal?.aborted, false);
  remote.abandon("slow");
  assertEquals(signal?.aborted, true, "the stream is closed");
  // The SDK reports the closed stream; a request still in flight and safe to repeat would go again.
  transport!.ends.get("slow")?.();
  await new Promise((resolve) => setTimeout(resolve, 5));
  const sent = backend.received.filter((r) => "id" in r.message && r.message.id === "slow");
  assertEquals(sent.length, 1);
});

Deno.test("with a session too, an abandoned request has its stream closed and is not sent again", async () => {
  const backend = new FakeBackend();
  let transport: FakeTransport | undefined;
  backend.open = () => (transport = new FakeTransport(backend));
  const { remote, requests } = await connected(backend);
  backend.hold = true;
  requests.track(1, "tools/call", () => {});
  await remote.send({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "slow" } });
  const signal = transport!.signals.get(1);
  assertEquals(signal?.aborted, false);
  remote.abandon(1);
  assertEquals(signal?.aborted, true, "the stream is closed");
  transport!.ends.get(1)?.();
  assertEquals(backend.received.filter((r) => "id" in r.message && r.message.id === 1).length, 1);
});
