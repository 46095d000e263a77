/**
 * Lets the backend's answers reach the client as the bytes they came in,
 * when no policy needs to look at them: the answer to a `tools/call`,
 * `resources/read` or `prompts/get` is neither parsed nor serialised again on
 * its way through the proxy.
 *
 * {@linkcode ResponseTap.wrap} sits between the SDK's
 * `StreamableHTTPClientTransport` and the signing fetch and reads each
 * response body as it streams (SSE events, or one JSON body). An answer that
 * the proxy takes is held, and the SDK is given in its place a small
 * stand-in answer with the same id (and the same SSE event id), so that the
 * SDK's bookkeeping (a request is answered; where a stream resumes) stays as
 * it would be. When the stand-in reaches the proxy, in stream order,
 * {@linkcode ResponseTap.claim} hands back the held bytes, which the proxy
 * writes to stdout. Every other event passes on byte for byte.
 *
 * The SDK transports offer no such path: they parse each message, check it
 * with zod and serialise it again, which holds a large result several times
 * over. Hence this module.
 *
 * @module
 */
import type { FetchLike, JSONRPCMessage, RequestId } from "../../mcp_sdk.ts";
import { MessageHeadScanner } from "../../jsonrpc/message_head.ts";
import { byteLength, tapSseBody } from "./sse_bytes.ts";

/** The size from which an answer is held rather than parsed. */
const DEFAULT_MIN_BYTES = 64 * 1024;

/** How long held bytes wait for their stand-in; it normally comes within milliseconds. */
const DEFAULT_HOLD_MS = 60_000;

/** The `_meta` key of a stand-in answer; its value numbers the bytes held for it. */
const STAND_IN_MARK = "aws-mcp-proxy/held";

const LF = 0x0a;
const CR = 0x0d;

/** The stand-in for the answer held as `held`, under its id as written. */
function standIn(idText: string, held: number): string {
  return `{"jsonrpc":"2.0","id":${idText},"result":{"_meta":{"${STAND_IN_MARK}":${held}}}}`;
}

/**
 * The answer `pieces` hold, when it is one JSON-RPC answer that `takes`
 * accepts: its id as parsed and as written.
 */
function takenAnswer(
  pieces: readonly Uint8Array[],
  takes: (id: RequestId) => boolean,
): { id: RequestId; idText: string } | undefined {
  const scanner = new MessageHeadScanner();
  for (const piece of pieces) scanner.feed(piece);
  const { id, idText, hasMethod, hasOutcome, complete, invalid } = scanner.head;
  if (id === undefined || idText === undefined || hasMethod || !hasOutcome) return undefined;
  if (!complete || invalid || !takes(id)) return undefined;
  return { id, idText };
}

function mediaType(response: Response): string {
  return (response.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
}

/**
 * Takes the backend's answers out of the response bodies the SDK reads and
 * hands them back, as bytes, when the stand-in put in their place reaches the
 * proxy; see the module doc.
 *
 * @example
 * ```ts
 * import { ResponseTap } from "./response_tap.ts";
 * const tap = new ResponseTap(() => true);
 * const tappedFetch = tap.wrap(fetch);
 * tap.claim({ jsonrpc: "2.0", id: 1, result: {} }); // undefined: not a stand-in
 * ```
 */
export class ResponseTap {
  #takes: (id: RequestId) => boolean;
  #minBytes: number;
  #holdMs: number;
  #held = new Map<number, { pieces: Uint8Array[]; timer: ReturnType<typeof setTimeout> }>();
  #seq = 0;

  /**
   * `takes` says whether the answer to a request may skip the proxy's
   * parsing; answers shorter than `minBytes` (64 KiB unless given) are not
   * held, since parsing a small message again costs less than holding it.
   * Held bytes whose stand-in does not come within `holdMs` (a minute unless
   * given) are dropped.
   */
  constructor(
    takes: (id: RequestId) => boolean,
    options: { minBytes?: number; holdMs?: number } = {},
  ) {
    this.#takes = takes;
    this.#minBytes = options.minBytes ?? DEFAULT_MIN_BYTES;
    this.#holdMs = options.holdMs ?? DEFAULT_HOLD_MS;
  }

  /** How many answers are held, waiting for their stand-ins. */
  get holding(): number {
    return this.#held.size;
  }

  /** Wraps `next` so that the bodies of successful responses pass through the tap. */
  wrap(next: FetchLike): FetchLike {
    return async (input, init) => {
      const response = await next(input, init);
      if (!response.ok || !response.body) return response;
      const type = mediaType(response);
      if (type === "text/event-stream") {
        const body = tapSseBody(response.body, (pieces) => this.#hold(pieces), this.#minBytes);
        return new Response(body, {
          status: response.status,
          statusText: response.statusText,
          headers: response.headers,
        });
      }
      const length = Number(response.headers.get("content-length") ?? Infinity);
      if (type === "application/json" && length >= this.#minBytes) {
        return await this.#tapJson(response);
      }
      return response;
    };
  }

  /**
   * The bytes of the answer `message` stands in for, taken out of the tap;
   * `undefined` when `message` is not a stand-in.
   */
  claim(message: JSONRPCMessage): Uint8Array[] | undefined {
    const meta = (message as { result?: { _meta?: Record<string, unknown> } }).result?._meta;
    const held = meta?.[STAND_IN_MARK];
    if (typeof held !== "number") return undefined;
    const entry = this.#held.get(held);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    this.#held.delete(held);
    return entry.pieces;
  }

  /** Holds `pieces` when they are an answer to take; returns the stand-in's text. */
  #hold(pieces: Uint8Array[]): string | undefined {
    const taken = takenAnswer(pieces, this.#takes);
    if (!taken) return undefined;
    const held = ++this.#seq;
    // A stand-in the SDK never reads (its stream was closed first) must not keep the bytes.
    const timer = setTimeout(() => this.#held.delete(held), this.#holdMs);
    this.#held.set(held, { pieces, timer });
    return standIn(taken.idText, held);
  }

  /**
   * A JSON body is read whole (the SDK reads it whole too) and held when it is
   * one answer on one line: a pretty-printed body would break the client's
   * line framing. (An SSE data value cannot hold a line break.)
   */
  async #tapJson(response: Response): Promise<Response> {
    const pieces: Uint8Array[] = [];
    for await (const chunk of response.body!) pieces.push(chunk);
    const oneLine = pieces.every((piece) => !piece.includes(LF) && !piece.includes(CR));
    const replacement = oneLine && byteLength(pieces) >= this.#minBytes
      ? this.#hold(pieces)
      : undefined;
    const body = replacement ?? new ReadableStream<Uint8Array>({
      start(controller) {
        for (const piece of pieces) controller.enqueue(piece);
        controller.close();
      },
    });
    return new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  }
}
