/**
 * Sticky sessions behind a load balancer: the cookies the endpoint sets (an
 * Application Load Balancer's `AWSALB`, for one) go back on the later
 * requests of the same backend session, as a browser would send them: only
 * to the endpoint's origin, only under the cookie's path, not after it
 * expires, and a `Secure` one only over HTTPS. The jar is emptied when the
 * session ends, since a new session may be placed on another instance.
 *
 * Written here because Deno's fetch keeps no cookies and no well-kept cookie
 * jar for `fetch` is among this project's dependencies; only what an MCP
 * endpoint's load balancer needs is handled (no third-party domains, no
 * `SameSite`, which concern browsers). What a server can set is bounded as
 * browsers bound it: at most 50 cookies, each at most 4096 bytes.
 *
 * @module
 */
import type { FetchLike } from "../../mcp_sdk.ts";
import { withHeader } from "./user_agent.ts";

/** The most cookies a jar holds; a new name past it is ignored. */
const MAX_COOKIES = 50;
/** The longest cookie kept (name and value), as browsers keep them. */
const MAX_COOKIE_BYTES = 4096;

interface Cookie {
  value: string;
  /** The path the cookie is sent under. */
  path: string;
  /** When it expires, in epoch milliseconds. */
  expires: number;
  secure: boolean;
}

/** The default path of a cookie set in answer to `requestPath` (RFC 6265, 5.1.4). */
function defaultPath(requestPath: string): string {
  const slash = requestPath.lastIndexOf("/");
  return slash <= 0 ? "/" : requestPath.slice(0, slash);
}

/** Whether `requestPath` is under `cookiePath` (RFC 6265, 5.1.4). */
function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith("/") || requestPath[cookiePath.length] === "/";
}

/** The cookies of one endpoint's session; see the module doc. */
export class CookieJar {
  #origin: string;
  #host: string;
  #cookies = new Map<string, Cookie>();
  #now: () => number;
  #onValue: (name: string, value: string) => void;

  /**
   * A jar for the endpoint `endpoint`; `onValue` is told each cookie stored,
   * by name (to keep its value out of every log), `now` is the clock.
   */
  constructor(
    endpoint: URL,
    options: { onValue?: (name: string, value: string) => void; now?: () => number } = {},
  ) {
    this.#origin = endpoint.origin;
    this.#host = endpoint.hostname.toLowerCase();
    this.#now = options.now ?? Date.now;
    this.#onValue = options.onValue ?? (() => {});
  }

  /** How many cookies are held. */
  get size(): number {
    return this.#cookies.size;
  }

  /** Forgets every cookie: the session they belonged to has ended. */
  clear(): void {
    this.#cookies.clear();
  }

  /** The `Cookie` header for a request to `url`, or `undefined` when none applies. */
  header(url: URL): string | undefined {
    if (url.origin !== this.#origin) return undefined;
    const now = this.#now();
    const pairs: string[] = [];
    for (const [name, cookie] of this.#cookies) {
      if (cookie.expires <= now) {
        this.#cookies.delete(name);
        continue;
      }
      if (cookie.secure && url.protocol !== "https:") continue;
      if (pathMatches(url.pathname, cookie.path)) pairs.push(`${name}=${cookie.value}`);
    }
    return pairs.length > 0 ? pairs.join("; ") : undefined;
  }

  /** Stores what the `Set-Cookie` headers of a response to `url` set. */
  store(url: URL, setCookies: readonly string[]): void {
    if (url.origin !== this.#origin) return;
    for (const line of setCookies) this.#storeOne(url, line);
  }

  #storeOne(url: URL, line: string): void {
    const [pair = "", ...attributes] = line.split(";");
    const eq = pair.indexOf("=");
    if (eq <= 0) return;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (name.length + value.length > MAX_COOKIE_BYTES) return;
    if (!this.#cookies.has(name) && this.#cookies.size >= MAX_COOKIES) return;
    const cookie: Cookie = {
      value,
      path: defaultPath(url.pathname),
      expires: Infinity,
      secure: false,
    };
    let maxAge: number | undefined;
    for (const attribute of attributes) {
      const at = attribute.indexOf("=");
      const key = (at < 0 ? attribute : attribute.slice(0, at)).trim().toLowerCase();
      const arg = at < 0 ? "" : attribute.slice(at + 1).trim();
      if (key === "path" && arg.startsWith("/")) cookie.path = arg;
      else if (key === "secure") cookie.secure = true;
      else if (key === "max-age" && /^-?\d+$/.test(arg)) maxAge = Number(arg);
      else if (key === "expires" && !Number.isNaN(Date.parse(arg))) {
        cookie.expires = Date.parse(arg);
      } else if (key === "domain") {
        // Only the endpoint's own host (or a domain it is in) may be named.
        const domain = arg.replace(/^\./, "").toLowerCase();
        if (domain !== this.#host && !this.#host.endsWith(`.${domain}`)) return;
      }
    }
    if (maxAge !== undefined) cookie.expires = this.#now() + maxAge * 1000;
    if (cookie.expires <= this.#now()) {
      this.#cookies.delete(name);
      return;
    }
    this.#onValue(name, value);
    this.#cookies.set(name, cookie);
  }
}

/**
 * Wraps `next` so that the jar's cookies go out with each request and what
 * the endpoint sets comes back into the jar.
 *
 * @example
 * ```ts
 * import { CookieJar, withCookies } from "./cookie_jar.ts";
 * const jar = new CookieJar(new URL("https://mcp.example.com/mcp"));
 * jar.store(new URL("https://mcp.example.com/mcp"), ["AWSALB=abc; Path=/"]);
 * jar.header(new URL("https://mcp.example.com/mcp")); // "AWSALB=abc"
 * typeof withCookies(fetch, jar); // "function"
 * ```
 */
export function withCookies(next: FetchLike, jar: CookieJar): FetchLike {
  return async (input, init) => {
    const url = input instanceof URL ? input : new URL(input);
    const cookie = jar.header(url);
    const sent = cookie === undefined
      ? init
      : { ...init, headers: withHeader(init?.headers, "cookie", cookie) };
    const response = await next(input, sent);
    const set = response.headers.getSetCookie();
    if (set.length > 0) jar.store(url, set);
    return response;
  };
}
