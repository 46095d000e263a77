/**
 * Says who is calling: every request to the server carries
 * `User-Agent: aws-mcp-proxy/VERSION NAME/VERSION`, the second part the MCP
 * client's own name and version as its `initialize` (or, in a stateless
 * exchange, its request envelope) gives them, so that a server's operators
 * can tell assistants apart. The client part can be left out.
 *
 * The client's name is read once, from the first request body that carries
 * it: the proxy's own outgoing JSON, so no server can set it.
 *
 * @module
 */
import { CLIENT_INFO_META_KEY, type FetchLike } from "../../mcp_sdk.ts";

/** Options for {@linkcode withUserAgent}. */
export interface UserAgentOptions {
  /** The proxy's product token, such as `aws-mcp-proxy/0.1.0`. */
  product: string;
  /** Whether the MCP client's name and version follow it. */
  includeClient: boolean;
}

/** `text` as a User-Agent product token: token characters only, at most 64 of them. */
function token(text: unknown): string | undefined {
  if (typeof text !== "string") return undefined;
  const cleaned = text.replace(/[^A-Za-z0-9!#$%&'*+.^_`|~-]+/g, "-").slice(0, 64);
  return cleaned === "" ? undefined : cleaned;
}

/** The client's `NAME/VERSION` from a request body, when it names the client. */
function clientOf(body: string): string | undefined {
  if (!body.includes("clientInfo") && !body.includes(CLIENT_INFO_META_KEY)) return undefined;
  let params: Record<string, unknown> | undefined;
  try {
    params = (JSON.parse(body) as { params?: Record<string, unknown> }).params;
  } catch {
    return undefined;
  }
  const meta = params?._meta as Record<string, unknown> | undefined;
  const info = (params?.clientInfo ?? meta?.[CLIENT_INFO_META_KEY]) as
    | { name?: unknown; version?: unknown }
    | undefined;
  const name = token(info?.name);
  if (name === undefined) return undefined;
  return `${name}/${token(info?.version) ?? "0"}`;
}

/**
 * `headers` with `name` set to `value`: the signer below hands a plain record,
 * which is copied as one; anything else goes through `Headers`.
 */
export function withHeader(
  headers: HeadersInit | undefined,
  name: string,
  value: string,
): HeadersInit {
  if (headers !== undefined && !(headers instanceof Headers) && !Array.isArray(headers)) {
    return { ...headers, [name]: value };
  }
  const copy = new Headers(headers);
  copy.set(name, value);
  return copy;
}

/**
 * Wraps `next` so that each request carries the proxy's User-Agent.
 *
 * @example
 * ```ts
 * import { withUserAgent } from "./user_agent.ts";
 * const seen: string[] = [];
 * const fetch = withUserAgent((_input, init) => {
 *   seen.push(new Headers(init?.headers).get("user-agent")!);
 *   return Promise.resolve(new Response(null, { status: 202 }));
 * }, { product: "aws-mcp-proxy/1.0.0", includeClient: true });
 * await fetch("http://127.0.0.1/mcp", {
 *   method: "POST",
 *   body: '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"clientInfo":{"name":"claude-ai","version":"0.1.0"}}}',
 * });
 * seen[0]; // "aws-mcp-proxy/1.0.0 claude-ai/0.1.0"
 * ```
 */
export function withUserAgent(next: FetchLike, options: UserAgentOptions): FetchLike {
  let value = options.product;
  let learned = !options.includeClient;
  return (input, init) => {
    if (!learned && typeof init?.body === "string") {
      const client = clientOf(init.body);
      if (client !== undefined) {
        value = `${options.product} ${client}`;
        learned = true;
      }
    }
    return next(input, { ...init, headers: withHeader(init?.headers, "user-agent", value) });
  };
}
