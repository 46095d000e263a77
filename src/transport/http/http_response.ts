/**
 * What the proxy reads of a Streamable HTTP server's response besides its
 * event streams: the media type, a JSON body within the size limit, the
 * start of an error's body, the redirect the signer did not follow (for the
 * error text), and the JSON-RPC error a 400 may carry. The SDK keeps its own versions of these
 * inside its transport.
 *
 * @module
 */
import { type JSONRPCMessage, parseJSONRPCMessage, type RequestId } from "../../mcp_sdk.ts";
import { readChunks } from "../chunk_reader.ts";

/** The media type of a `content-type` value, lower-cased, without parameters. */
export function mediaType(contentType: string | null): string | undefined {
  return contentType?.split(";", 1)[0]?.trim().toLowerCase();
}

/**
 * What a redirect the signer did not follow points to, for the error text: a
 * signed request is never sent elsewhere, but the user may mean that URL.
 */
export function unfollowedRedirect(url: URL, response: Response): string | undefined {
  const location = response.status >= 300 && response.status < 400
    ? response.headers.get("location")
    : null;
  if (location === null) return undefined;
  let target: URL;
  try {
    target = new URL(location, url);
  } catch {
    return undefined;
  }
  target.username =
    target.password =
    target.search =
    target.hash =
      "";
  if (target.protocol === "http:" && url.protocol === "https:") {
    target.protocol = "https:";
    return `Redirect from https to plain http not followed; try ${target.href} as the endpoint`;
  }
  return `Redirect to ${target.href} not followed; use that URL as the endpoint if it is the intended server`;
}

/** At most `maxBytes` of `body` as text, and whether that was all of it; the rest is not read. */
async function readUpTo(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
): Promise<{ text: string; whole: boolean }> {
  const reader = readChunks(body);
  const decoder = new TextDecoder();
  let text = "";
  let left = maxBytes;
  for (let bytes = await reader.read(); bytes !== undefined; bytes = await reader.read()) {
    if (bytes.length > left) {
      text += decoder.decode(bytes.subarray(0, left));
      await reader.cancel().catch(() => {});
      return { text, whole: false };
    }
    text += decoder.decode(bytes, { stream: true });
    left -= bytes.length;
  }
  return { text: text + decoder.decode(), whole: true };
}

/** The body as text, failing once it grows past `maxBytes`. */
export async function readBounded(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
): Promise<string> {
  const { text, whole } = await readUpTo(body, maxBytes);
  if (!whole) throw new RangeError(`the server's answer is longer than the ${maxBytes} byte limit`);
  return text;
}

/** How much of an error's body is read: more than any error message needs. */
export const ERROR_BODY_BYTES = 64 * 1024;

/**
 * The start of `response`'s body as text, at most `maxBytes` of it; the rest
 * is never read. For bodies the proxy only needs to quote or classify (an
 * HTTP error's), which a server could otherwise send without end.
 * `null` when the body cannot be read.
 *
 * @example
 * ```ts
 * import { bodyStart } from "./http_response.ts";
 * await bodyStart(new Response("x".repeat(100)), 10); // "xxxxxxxxxx"
 * ```
 */
export async function bodyStart(
  response: Response,
  maxBytes: number = ERROR_BODY_BYTES,
): Promise<string | null> {
  if (!response.body) return "";
  try {
    return (await readUpTo(response.body, maxBytes)).text;
  } catch {
    return null;
  }
}

/** The JSON-RPC error for request `id` that `text` (an HTTP 400's body) is, if it is one. */
export function errorAnswerFor(text: string | null, id: RequestId): JSONRPCMessage | undefined {
  if (text === null) return undefined;
  try {
    const message = parseJSONRPCMessage(JSON.parse(text));
    return "error" in message && message.id === id ? message : undefined;
  } catch {
    return undefined;
  }
}
