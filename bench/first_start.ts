/**
 * A user's first session, on empty caches: spawn → `initialize` →
 * `tools/list` → one `tools/call`, timed to the call's answer. Side by side
 * against the same local server:
 *
 * - the proxy from a clone (`deno run mod.ts`, with the clone's lock);
 * - the proxy from the files `deno publish` uploads, run without a lock, as
 *   `deno run jsr:…` sees the package;
 * - `npx -y mcp-remote` on an empty npm cache.
 *
 * Each on its own empty `DENO_DIR` or npm cache, the median of `runs`. Run by
 * `bench/run.ts`, or alone:
 *
 * ```sh
 * deno run --config tests/deno.json --allow-net=127.0.0.1 --allow-read --allow-env --allow-run --allow-write bench/first_start.ts
 * ```
 *
 * @module
 */
import { BACKEND_SCOPE, initializeLine, REPO_ROOT } from "../tests/fixtures/proxy_process.ts";
import { permissionFlags } from "../src/cli/permissions.ts";
import { EXAMPLE_KEY_ID, EXAMPLE_SECRET } from "../tests/fixtures/backend.ts";

/** One contender's first sessions. */
export interface FirstStart {
  /** Milliseconds to the first call's answer, one per run. */
  samples: number[];
  /** The median of `samples`. */
  median: number;
  /** What the empty cache held afterwards, in MB. */
  cacheMb: number;
}

const encoder = new TextEncoder();

/** The variables that say how this machine reaches the package registries. */
const NETWORK_ENV = [
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "DENO_CERT",
  "NODE_EXTRA_CA_CERTS",
  "HTTPS_PROXY",
  "HTTP_PROXY",
  "NO_PROXY",
  "https_proxy",
  "http_proxy",
  "npm_config_registry",
];

/** The files `deno publish` would upload, copied into a fresh folder without the lock. */
async function publishedCopy(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "aws-mcp-proxy-published-" });
  const config = JSON.parse(await Deno.readTextFile(`${REPO_ROOT}deno.json`));
  for (const entry of config.publish.include as string[]) {
    await new Deno.Command("cp", { args: ["-r", `${REPO_ROOT}${entry}`, `${dir}/`] }).output();
  }
  delete config.lock;
  await Deno.writeTextFile(`${dir}/deno.json`, JSON.stringify(config, null, 2));
  return dir;
}

/** Size of a folder in MB, as `du` counts it. */
async function sizeMb(dir: string): Promise<number> {
  const out = await new Deno.Command("du", { args: ["-sk", dir], stdout: "piped" }).output();
  return Number(new TextDecoder().decode(out.stdout).split("\t")[0]) / 1024;
}

/** Spawn → initialize → tools/list → tools/call answered, in milliseconds. */
async function firstSession(
  command: string,
  args: string[],
  options: { env: Record<string, string>; cwd?: string },
): Promise<number> {
  const started = performance.now();
  const child = new Deno.Command(command, {
    args,
    env: options.env,
    clearEnv: true,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const writer = child.stdin.getWriter();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const answer = async (id: number) => {
    while (!text.includes(`"id":${id},`) && !text.includes(`"id":${id}}`)) {
      const chunk = await reader.read();
      if (chunk.done) throw new Error(`${command} exited before answering request ${id}`);
      text += chunk.value;
    }
  };
  const send = (message: Record<string, unknown>) =>
    writer.write(encoder.encode(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`));
  try {
    await writer.write(encoder.encode(`${initializeLine(1)}\n`));
    await answer(1);
    await send({ method: "notifications/initialized" });
    await send({ id: 2, method: "tools/list" });
    await answer(2);
    await send({
      id: 3,
      method: "tools/call",
      params: { name: "echo", arguments: { text: "hi" } },
    });
    await answer(3);
    return performance.now() - started;
  } finally {
    await writer.close().catch(() => {});
    reader.cancel().catch(() => {});
    const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
    await child.status;
    clearTimeout(timer);
  }
}

/**
 * Measures the three first sessions against the server at `url` (signature
 * checks off, so that mcp-remote can reach it), `runs` times each,
 * interleaved.
 */
export async function measureFirstStart(
  url: URL,
  runs = 3,
): Promise<Record<string, FirstStart>> {
  const published = await publishedCopy();
  const home = await Deno.makeTempDir({ prefix: "aws-mcp-proxy-bench-home-" });
  await Deno.mkdir(`${home}/.aws`);
  // What reaching the registry takes on this machine: its CA files and proxies (never for loopback).
  const network = Object.fromEntries(
    NETWORK_ENV.flatMap((name) => {
      const value = Deno.env.get(name);
      return value === undefined ? [] : [[name, value]];
    }),
  );
  const base = {
    ...network,
    NO_PROXY: ["127.0.0.1", "localhost", network.NO_PROXY].filter(Boolean).join(","),
    HOME: home,
    PATH: Deno.env.get("PATH") ?? "",
    NO_COLOR: "1",
    AWS_ACCESS_KEY_ID: EXAMPLE_KEY_ID,
    AWS_SECRET_ACCESS_KEY: EXAMPLE_SECRET,
    AWS_EC2_METADATA_DISABLED: "true",
  };
  const proxyArgs = (module: string, lock: string[]) => [
    "run",
    "--quiet",
    ...lock,
    ...permissionFlags(url.host, `${home}/.aws`),
    module,
    url.href,
    ...BACKEND_SCOPE,
  ];
  const contenders: {
    name: string;
    run: (cache: string) => Promise<number>;
  }[] = [
    {
      name: "proxy from a clone",
      run: (cache) =>
        firstSession(Deno.execPath(), proxyArgs(`${REPO_ROOT}mod.ts`, []), {
          env: { ...base, DENO_DIR: cache },
          cwd: REPO_ROOT,
        }),
    },
    {
      name: "proxy as published (no lock)",
      run: (cache) =>
        firstSession(Deno.execPath(), proxyArgs(`${published}/mod.ts`, ["--no-lock"]), {
          env: { ...base, DENO_DIR: cache },
          cwd: published,
        }),
    },
    {
      name: "npx -y mcp-remote",
      run: (cache) =>
        firstSession(
          "npx",
          ["-y", "mcp-remote", url.href, "--allow-http", "--transport", "http-only"],
          { env: { ...base, npm_config_cache: cache, npm_config_update_notifier: "false" } },
        ),
    },
  ];
  const results: Record<string, FirstStart> = {};
  for (const { name } of contenders) results[name] = { samples: [], median: 0, cacheMb: 0 };
  try {
    for (let run = 0; run < runs; run++) {
      for (const { name, run: session } of contenders) {
        const cache = await Deno.makeTempDir({ prefix: "aws-mcp-proxy-bench-cache-" });
        try {
          results[name]!.samples.push(await session(cache));
          results[name]!.cacheMb = await sizeMb(cache);
        } finally {
          await Deno.remove(cache, { recursive: true }).catch(() => {});
        }
      }
    }
  } finally {
    await Deno.remove(published, { recursive: true });
    await Deno.remove(home, { recursive: true });
  }
  for (const result of Object.values(results)) {
    const sorted = [...result.samples].sort((a, b) => a - b);
    result.median = sorted[Math.floor(sorted.length / 2)]!;
  }
  return results;
}

if (import.meta.main) {
  const { startBackendProgram } = await import("../tests/fixtures/server_process.ts");
  const out = (line: string) => Deno.stdout.writeSync(encoder.encode(`${line}\n`));
  const backend = await startBackendProgram(["--no-verify"]);
  try {
    const results = await measureFirstStart(backend.url);
    const remote = results["npx -y mcp-remote"]!.median;
    for (const [name, result] of Object.entries(results)) {
      out(
        `${name}: ${result.median.toFixed(0)} ms (${
          result.samples.map((s) => s.toFixed(0)).join(", ")
        }), ${(result.median / remote).toFixed(2)}x mcp-remote, cache ${
          result.cacheMb.toFixed(0)
        } MB`,
      );
    }
  } finally {
    await backend.stop();
  }
}
