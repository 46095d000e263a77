/**
 * Endpoint checks and SigV4 scope inference: which service and region a
 * request to a given MCP endpoint must be signed for. Pure: no I/O.
 *
 * @module
 */

/** What the host name of an endpoint says about its signing scope. */
export interface InferredScope {
  /** The SigV4 signing name, such as `bedrock-agentcore`. */
  service?: string;
  /** The AWS region, such as `us-east-1`. */
  region?: string;
}

/** The service and region every request is signed for. */
export interface SigningScope {
  /** The SigV4 signing name. */
  service: string;
  /** The AWS region. */
  region: string;
}

const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;
const AMAZONAWS_SUFFIXES = [".amazonaws.com", ".amazonaws.com.cn"];
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

/** Whether `hostname` names this machine (`localhost`, `127.0.0.0/8` or `::1`). */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}

/**
 * Parses and checks an MCP endpoint URL: it must be absolute, `https` (plain
 * `http` only for a loopback host), and carry no user name, password or
 * fragment. Throws a `TypeError` that says what is wrong.
 *
 * @example
 * ```ts
 * import { parseEndpoint } from "./endpoint.ts";
 * parseEndpoint("https://bedrock-agentcore.us-east-1.amazonaws.com/mcp").host;
 * // "bedrock-agentcore.us-east-1.amazonaws.com"
 * ```
 */
export function parseEndpoint(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TypeError(
      `Cannot parse the endpoint "${raw}": pass a full URL such as https://HOST/mcp`,
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new TypeError(`Cannot use the endpoint "${raw}": its scheme must be https`);
  }
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) {
    throw new TypeError(
      `Cannot use the endpoint "${raw}": plain http is allowed only for localhost; use https`,
    );
  }
  if (url.username || url.password) {
    throw new TypeError(`Cannot use the endpoint "${url.host}": remove the user name and password`);
  }
  if (url.hash) {
    throw new TypeError(`Cannot use the endpoint "${raw}": remove the #fragment`);
  }
  return url;
}

function regionBefore(labels: readonly string[], suffixLength: number): number {
  const index = labels.length - suffixLength - 1;
  return index >= 0 && REGION.test(labels[index] ?? "") ? index : -1;
}

/**
 * Infers the signing service and region from an endpoint host name, for the
 * host patterns of AWS-hosted MCP servers; returns an empty scope for any
 * other host rather than guessing from an arbitrary label.
 *
 * @example
 * ```ts
 * import { inferScope } from "./endpoint.ts";
 * inferScope("abc123.execute-api.eu-west-1.amazonaws.com");
 * // { service: "execute-api", region: "eu-west-1" }
 * ```
 */
export function inferScope(hostname: string): InferredScope {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  const labels = host.split(".");

  if (host.endsWith(".api.aws")) {
    // SERVICE.REGION.api.aws, and ID.SERVICE.REGION.api.aws (dual-stack API Gateway).
    const at = regionBefore(labels, 2);
    if (at >= 1) return { service: labels[at - 1] as string, region: labels[at] as string };
    return {};
  }

  if (host.endsWith(".on.aws")) {
    // ID.lambda-url.REGION.on.aws
    const at = regionBefore(labels, 2);
    if (at >= 1 && labels[at - 1] === "lambda-url") {
      return { service: "lambda", region: labels[at] as string };
    }
    return {};
  }

  const suffix = AMAZONAWS_SUFFIXES.find((s) => host.endsWith(s));
  if (suffix) {
    const at = regionBefore(labels, suffix.split(".").length - 1);
    if (at < 1) return {};
    const region = labels[at] as string;
    const service = labels[at - 1] as string;
    // bedrock-agentcore.REGION, ID.gateway.bedrock-agentcore.REGION, ID.execute-api.REGION
    if (service === "bedrock-agentcore" || service === "execute-api") return { service, region };
    if (service === "bedrock-agentcore-fips") return { service: "bedrock-agentcore", region };
    return { region };
  }
  return {};
}

/** Where a region may come from, in the order {@linkcode resolveScope} prefers them. */
export interface ScopeSources {
  /** `--service`, when given. */
  service?: string | undefined;
  /** `--region`, when given. */
  region?: string | undefined;
  /** Reads the `region` of the AWS profile in use; called only when neither `--region` nor the host gives one. */
  profileRegion?: (() => Promise<string | undefined>) | undefined;
  /** `AWS_REGION`, else `AWS_DEFAULT_REGION`, when set. */
  envRegion?: string | undefined;
  /** Whether errors name the CLI's flags (`--service`) or the library's options (`service`). */
  naming?: "flags" | "options";
}

/** How an error names the setting to give: as a CLI flag or as a library option. */
function settingName(setting: "service" | "region", naming: "flags" | "options" = "flags") {
  return naming === "flags" ? `pass --${setting}` : `set the ${setting} option`;
}

/**
 * The signing service for `endpoint`: `given` (`--service`), else the one the
 * host name implies. Throws a `TypeError` that names the flag when neither
 * does. Pure, so the CLI checks it before anything else.
 */
export function resolveService(
  endpoint: URL,
  given?: string,
  naming: "flags" | "options" = "flags",
): string {
  const service = given ?? inferScope(endpoint.hostname).service;
  if (!service) {
    throw new TypeError(
      `Cannot infer the SigV4 service from "${endpoint.hostname}": ${
        settingName("service", naming)
      } (for example bedrock-agentcore)`,
    );
  }
  return service;
}

/**
 * Settles the signing scope for `endpoint`: the service from `--service` or
 * the host name; the region from `--region`, the host name, the profile, then
 * the environment. Throws a `TypeError` that names the flag to pass when
 * either cannot be found.
 */
export async function resolveScope(endpoint: URL, sources: ScopeSources): Promise<SigningScope> {
  const inferred = inferScope(endpoint.hostname);
  const service = resolveService(endpoint, sources.service, sources.naming);
  const region = sources.region ?? inferred.region ?? (await sources.profileRegion?.()) ??
    sources.envRegion;
  if (!region) {
    throw new TypeError(
      `Cannot infer the AWS region from "${endpoint.hostname}", the profile or AWS_REGION: ${
        settingName("region", sources.naming)
      } (for example us-east-1)`,
    );
  }
  return { service, region };
}
