/**
 * The client side of the proxy: an MCP `Transport` over stdin and stdout,
 * one JSON-RPC message per line, as MCP's stdio transport specifies.
 *
 * It does what a JSON-RPC 2.0 server owes a line that is not a message,
 * which the SDK's `StdioServerTransport` leaves to its caller without the
 * line: a parse error is answered with `"id": null`, an invalid message with
 * its id when the line shows one (else `null`), and blank lines are skipped.
 * A line over the limit is dropped and answered the same way, instead of
 * ending the session. When the client closes stdin, or its end of stdout
 * (a broken pipe), the transport closes.
 *
 * @module
 */
import {
  ErrorCode,
  type JSONRPCMessage,
  parseJSONRPCMessage,
  type Transport,
} from "../../mcp_sdk.ts";
import { createLineFramer } from "./line_framer.ts";
import { MAX_MESSAGE_BYTES } from "../../jsonrpc/limits.ts";
import { createTextSink, type TextSink } from "./stdout_sink.ts";
import { type ChunkReader, readChunks } from "../chunk_reader.ts";
import { asError } from "../../log.ts";

/** The client side as the proxy uses it: {@linkcode StdioTransport} is one. */
export interface LocalTransport extends Transport {
  /** Why the transport closed, once it has. */
  readonly closeReason?: string | undefined;
}

/** Options for {@linkcode StdioTransport}. */
export interface StdioTransportOptions {
  /** The client's bytes; `Deno.stdin.readable` unless given (tests give their own). */
  readable?: ReadableStream<Uint8Array>;
  /** Writes some of the bytes it is given and says how many; `Deno.stdout.writeSync` unless given. */
  writeSync?: (bytes: Uint8Array) => number;
  /** The longest line accepted, newline included; {@linkcode MAX_MESSAGE_BYTES} by default. */
  maxLineBytes?: number;
}

/** A line from the client that is not a JSON-RPC message; it was answered as JSON-RPC 2.0 says. */
export class InvalidLineError extends Error {
  /** Describes the line that was refused. */
  constructor(message: string) {
    super(message);
    this.name = "InvalidLineError";
  }
}

type Id = string | number | null;

/** The id to answer an invalid message under: its own, when it has a usable one. */
function readableId(value: unknown): Id {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const id = (value as { id?: unknown }).id;
  return typeof id === "string" || (typeof id === "number" && Number.isFinite(id)) ? id : null;
}

/** Whether `value` looks like an answer: answering an answer would start a loop. */
function looksLikeResponse(value: unknown): boolean {
  return typeof value === "object" && value !== null && !("method" in value) &&
    ("result" in value || "error" in value);
}

function isBlank(line: Uint8Array): boolean {
  for (const byte of line) {
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) return false;
  }
  return true;
}

/** The stdio side of the proxy; see the module doc. */
export class StdioTransport implements LocalTransport {
  /** Called with every valid message from the client. */
  onmessage?: (message: JSONRPCMessage) => void;
  /** Called with lines that were refused ({@linkcode InvalidLineError}) and read failures. */
  onerror?: (error: Error) => void;
  /** Called once when the client has gone: stdin ended, or stdout is broken. */
  onclose?: () => void;

  #readable: ReadableStream<Uint8Array> | undefined;
  #sink: TextSink;
  #maxLineBytes: number;
  #decoder = new TextDecoder();
  #reader: ChunkReader | undefined;
  #ended: string | undefined;
  #writable = true;

  /** Prepares the transport; nothing is read until {@linkcode StdioTransport.start}. */
  constructor(options: StdioTransportOptions = {}) {
    this.#readable = options.readable;
    this.#maxLineBytes = options.maxLineBytes ?? MAX_MESSAGE_BYTES;
    this.#sink = createTextSink(options.writeSync);
  }

  /** Why the transport closed, once it has: `stdin closed` or `the client closed stdout`. */
  get closeReason(): string | undefined {
    return this.#ended;
  }

  /** Starts reading stdin. */
  start(): Promise<void> {
    if (this.#reader) throw new Error("StdioTransport already started");
    // Pooled buffers: Deno would give each line from the client a new 64 KiB buffer.
    this.#reader = readChunks(this.#readable ?? Deno.stdin.readable);
    void this.#read(this.#reader);
    return Promise.resolve();
  }

  /** Writes `message` as one line; after the client closed stdout, nothing is written. */
  send(message: JSONRPCMessage): Promise<void> {
    this.#write(() => this.#sink.write(`${JSON.stringify(message)}\n`));
    return Promise.resolve();
  }

  /** Stops reading and writing. */
  close(): Promise<void> {
    this.#writable = false;
    void this.#reader?.cancel().catch(() => {});
    this.#end("closed");
    return Promise.resolve();
  }

  #write(write: () => void): void {
    if (!this.#writable) return;
    try {
      write();
    } catch (error) {
      // EPIPE and the like: the client is gone, so every later write would fail too.
      this.#writable = false;
      this.onerror?.(asError(error));
      this.#end("the client closed stdout");
    }
  }

  #end(reason: string): void {
    if (this.#ended) return;
    this.#ended = reason;
    this.onclose?.();
  }

  async #read(reader: ChunkReader): Promise<void> {
    const framer = createLineFramer({
      maxLineBytes: this.#maxLineBytes,
      onOversized: ({ bytes, id }) =>
        this.#refuse(
          id ?? null,
          ErrorCode.InvalidRequest,
          `Invalid Request: a message of ${bytes} bytes is longer than the ${this.#maxLineBytes} byte limit`,
        ),
    });
    try {
      for (;;) {
        const chunk = await reader.read();
        if (chunk === undefined || this.#ended) break;
        // Each line is handled before the next read, which reuses the chunk's buffer.
        for (const line of framer.push(chunk)) this.#receive(line);
      }
    } catch (error) {
      if (!this.#ended) this.onerror?.(asError(error));
    }
    this.#end("stdin closed");
  }

  #receive(line: Uint8Array): void {
    if (isBlank(line)) return;
    let value: unknown;
    try {
      value = JSON.parse(this.#decoder.decode(line));
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      this.#refuse(null, ErrorCode.ParseError, `Parse error: ${detail}`);
      return;
    }
    let message: JSONRPCMessage | undefined;
    try {
      message = parseJSONRPCMessage(value);
    } catch {
      // Answered below, as JSON-RPC 2.0 says.
    }
    if (message) {
      this.onmessage?.(message);
      return;
    }
    if (looksLikeResponse(value)) {
      this.onerror?.(new InvalidLineError("ignored an answer from the client that is not valid"));
      return;
    }
    this.#refuse(
      readableId(value),
      ErrorCode.InvalidRequest,
      "Invalid Request: not a JSON-RPC 2.0 message",
    );
  }

  /** Answers a refused line under `id` (`null` when it has none) and reports it. */
  #refuse(id: Id, code: number, message: string): void {
    this.onerror?.(new InvalidLineError(message));
    this.#write(() =>
      this.#sink.write(`${JSON.stringify({ jsonrpc: "2.0", id, error: { code, message } })}\n`)
    );
  }
}
