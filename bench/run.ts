/**
 * Side-by-side benchmarks in one run on one machine: cold start, added
 * latency, throughput and memory of the proxy, against a bare Deno MCP SDK
 * stdio server, an SDK client talking to the backend directly, and
 * mcp-remote from npm; then the signing cost (`bench/signing_bench.ts`,
 * through `deno bench --json`). Prints tables and writes
 * `bench/results/latest.json`.
 *
 * ```sh
 * deno task bench
 * ```
 *
 * The backend is the test backend with signature checks off, so that
 * mcp-remote (which does not sign) can reach it; the proxy and the direct
 * client still sign every request.
 *
 * @module
 */
import {
  BACKEND_SCOPE,
  initializeLine,
  makeAwsHome,
  proxyCommand,
  proxyEnv,
  REPO_ROOT,
} from "../tests/fixtures/proxy_process.ts";
import { Client, StdioClientTransport } from "../tests/fixtures/sdk.ts";
import { connectSigV4Client } from "../src/client.ts";
import { startBackendProgram } from "../tests/fixtures/server_process.ts";
import { EXAMPLE_KEY_ID, EXAMPLE_SECRET } from "../tests/fixtures/backend.ts";
import { measureFirstStart } from "./first_start.ts";

const COLD_RUNS = Number(Deno.env.get("BENCH_COLD_RUNS") ?? 15);
const LATENCY_CALLS = Number(Deno.env.get("BENCH_LATENCY_CALLS") ?? 5000);
const THROUGHPUT_CALLS = Number(Deno.env.get("BENCH_THROUGHPUT_CALLS") ?? 2000);
const THROUGHPUT_ROUNDS = Number(Deno.env.get("BENCH_THROUGHPUT_ROUNDS") ?? 5);
const MCP_REMOTE_VERSION = "0.15.1";
/** First sessions per contender on empty caches; each downloads every package again. */
const FIRST_RUNS = Number(Deno.env.get("BENCH_FIRST_RUNS") ?? 3);
/** Round trips each program serves before its steady RSS is read. */
const STEADY_CALLS = 2200;
/** The earlier reading, after as many round trips as issue #14 measures. */
const EARLY_CALLS = 300;
const SCOPE = [...BACKEND_SCOPE];
/** The bare servers import SDK packages that only the tests' config names. */
const TESTS_CONFIG = `--config=${REPO_ROOT}tests/deno.json`;
/**
 * The bare servers, one per SDK line: 1.x, the floor issue #14 measured
 * against, and 2.x, the line the proxy runs on.
 */
const BARE_SERVERS = {
  "bare Deno SDK 1.x server": `${REPO_ROOT}bench/bare_server_sdk1.ts`,
  "bare Deno SDK 2.x server": `${REPO_ROOT}bench/bare_server_sdk2.ts`,
};
type BareName = keyof typeof BARE_SERVERS;
const INIT = initializeLine(0);

const out = (line = "") => Deno.stdout.writeSync(new TextEncoder().encode(`${line}\n`));
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
const median = (values: number[]) => percentile([...values].sort((a, b) => a - b), 0.5);

async function installMcpRemote(): Promise<string | undefined> {
  const dir = `${Deno.env.get("TMPDIR") ?? "/tmp"}/aws-mcp-proxy-bench-mcp-remote`;
  const entry = `${dir}/node_modules/mcp-remote/dist/proxy.js`;
  try {
    await Deno.stat(entry);
    return entry;
  } catch { /* not installed yet */ }
  const npm = await new Deno.Command("npm", {
    args: [
      "install",
      "--no-audit",
      "--no-fund",
      "--prefix",
      dir,
      `mcp-remote@${MCP_REMOTE_VERSION}`,
    ],
    stdout: "null",
    stderr: "null",
  }).output().catch(() => undefined);
  return npm?.success ? entry : undefined;
}

/** Spawn → `initialize` answered, in milliseconds. */
async function coldStart(
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<number> {
  const started = performance.now();
  const child = new Deno.Command(command, {
    args,
    env,
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(`${INIT}\n`));
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!/"id":0/.test(text)) {
    const chunk = await reader.read();
    if (chunk.done) throw new Error(`${command} exited before answering initialize`);
    text += chunk.value;
  }
  const elapsed = performance.now() - started;
  await writer.close().catch(() => {});
  reader.cancel().catch(() => {});
  const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
  await child.status;
  clearTimeout(timer);
  return elapsed;
}

/** What the bench asks of a client: the library's (SDK 2.x) and the SDK 1.x clients alike. */
interface BenchClient {
  callTool(params: { name: string; arguments: Record<string, unknown> }): Promise<unknown>;
  ping(): Promise<unknown>;
  close(): Promise<void>;
}

function rss(pid: number): { rssMb: number; peakMb: number } {
  // Deno lets only --allow-all read /proc directly; `cat` needs --allow-run alone.
  const status = new TextDecoder().decode(
    new Deno.Command("cat", { args: [`/proc/${pid}/status`] }).outputSync().stdout,
  );
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rssMb: kb("VmRSS") / 1024, peakMb: kb("VmHWM") / 1024 };
}

/** Puts `items` in a random order, in place (Fisher-Yates). */
function shuffle(items: number[]): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}

/**
 * Round-trip times of `calls` echo calls from each client, taking turns call
 * by call so that the machine's noise falls on all alike.
 */

async function latencies(clients: BenchClient[], calls: number): Promise<number[][]> {
  for (const client of clients) {
    for (let i = 0; i < 200; i++) {
      await client.callTool({ name: "echo", arguments: { text: "warm" } });
    }
  }
  const samples: number[][] = clients.map(() => []);
  const order = clients.map((_, n) => n);
  for (let i = 0; i < calls; i++) {
    // A new order each round: in a fixed one, the client that follows the direct one read about
    // 0.05 ms slower than the next one, the same proxy in both places.
    shuffle(order);
    for (const n of order) {
      const t = performance.now();
      await clients[n]!.callTool({ name: "echo", arguments: { text: `call ${i}` } });
      samples[n]!.push(performance.now() - t);
    }
  }
  return samples.map((s) => s.sort((a, b) => a - b));
}

interface ProxyMemory {
  early: number;
  steady: number;
  afterLoad: number;
}

interface TenMbPeak {
  before: number;
  peak: number;
  added: number;
}

/** Resets the peak RSS (VmHWM) of `pid`, so the next peak read is of what follows. */
function resetPeak(pid: number): void {
  new Deno.Command("sh", { args: ["-c", `echo 5 > /proc/${pid}/clear_refs`] }).outputSync();
}

/**
 * Starts the proxy as the README runs it (no runtime tuning) with `env`
 * against the backend and connects an SDK client named `name`.
 */
async function connectProxy(
  env: Record<string, string>,
  name: string,
): Promise<{ client: BenchClient; pid: number }> {
  const args = proxyCommand(backend.url, home.home, [...SCOPE, "--log-level", "warn"]);
  const transport = new StdioClientTransport({
    command: Deno.execPath(),
    args,
    env,
    stderr: "inherit",
  });
  const client = new Client({ name, version: "1" });
  await client.connect(transport);
  return { client, pid: transport.pid! };
}

/** RSS of a fresh proxy: steady after STEADY_CALLS calls, then after THROUGHPUT_CALLS at 32 in flight. */
async function proxyMemory(env: Record<string, string>): Promise<ProxyMemory> {
  const { client, pid } = await connectProxy(env, "bench-memory");
  let early = 0;
  for (let i = 0; i < STEADY_CALLS; i++) {
    if (i === EARLY_CALLS) early = rss(pid).rssMb;
    await client.callTool({ name: "echo", arguments: { text: `call ${i}` } });
  }
  const steady = rss(pid).rssMb;
  await throughput(client, 32, THROUGHPUT_CALLS);
  const afterLoad = rss(pid).rssMb;
  await client.close();
  return { early, steady, afterLoad };
}

/**
 * The peak RSS of a fresh proxy (20 calls in) while one 10 MB result passes:
 * the strictest reading, as a fresh process has no freed memory to reuse.
 */
async function tenMbPeak(env: Record<string, string>): Promise<TenMbPeak> {
  const { client, pid } = await connectProxy(env, "bench-10mb");
  for (let i = 0; i < 20; i++) await client.callTool({ name: "echo", arguments: { text: "warm" } });
  await new Promise((resolve) => setTimeout(resolve, 200));
  const before = rss(pid).rssMb;
  resetPeak(pid);
  const big = await client.callTool({ name: "big_result", arguments: { bytes: 10_000_000 } });
  const bytes = (big as { content: { text: string }[] }).content[0]!.text.length;
  if (bytes !== 10_000_000) throw new Error(`the 10 MB result came back with ${bytes} bytes`);
  const peak = rss(pid).peakMb;
  await client.close();
  return { before, peak, added: peak - before };
}

/** The steady RSS of a bare server after STEADY_CALLS pings. */
async function bareSteady(
  server: BareName,
  env: Record<string, string>,
): Promise<{ early: number; steady: number }> {
  const bare = new StdioClientTransport({
    command: Deno.execPath(),
    args: ["run", "--quiet", TESTS_CONFIG, BARE_SERVERS[server]],
    env,
    stderr: "inherit",
  });
  const client = new Client({ name: "bench-bare", version: "1" });
  await client.connect(bare);
  let early = 0;
  for (let i = 0; i < STEADY_CALLS; i++) {
    if (i === EARLY_CALLS) early = rss(bare.pid!).rssMb;
    await client.ping();
  }
  const steady = rss(bare.pid!).rssMb;
  await client.close();
  return { early, steady };
}

async function throughput(client: BenchClient, inFlight: number, calls: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < calls) {
      next++;
      await client.callTool({ name: "echo", arguments: { text: "t" } });
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return calls / ((performance.now() - started) / 1000);
}

const backend = await startBackendProgram(["--no-verify"]);
const home = await makeAwsHome();
const env = proxyEnv(home.home);
const mcpRemote = await installMcpRemote();
const results: Record<string, unknown> = {
  machine: `${Deno.build.os} ${Deno.build.arch}, ${navigator.hardwareConcurrency} cores`,
  deno: Deno.version.deno,
};

try {
  // ---- cold start ----
  const contenders: [string, string, string[]][] = [
    ["proxy", Deno.execPath(), proxyCommand(backend.url, home.home, SCOPE)],
    ...Object.entries(BARE_SERVERS).map(([name, path]): [string, string, string[]] => [
      name,
      Deno.execPath(),
      ["run", "--quiet", TESTS_CONFIG, path],
    ]),
  ];
  if (mcpRemote) {
    contenders.push([`mcp-remote ${MCP_REMOTE_VERSION}`, "node", [
      mcpRemote,
      backend.url.href,
      "--allow-http",
      "--transport",
      "http-only",
    ]]);
  }
  const cold: Record<string, number[]> = Object.fromEntries(contenders.map(([name]) => [name, []]));
  for (let run = 0; run < COLD_RUNS; run++) {
    for (const [name, command, args] of contenders) {
      cold[name]!.push(await coldStart(command, args, env));
    }
  }
  out(`Cold start, spawn -> initialize answered (${COLD_RUNS} runs, interleaved)`);
  out("| program | median ms | p90 ms |");
  out("| --- | --- | --- |");
  const coldSummary: Record<string, { median: number; p90: number }> = {};
  for (const [name, samples] of Object.entries(cold)) {
    const sorted = [...samples].sort((a, b) => a - b);
    coldSummary[name] = { median: median(sorted), p90: percentile(sorted, 0.9) };
    out(`| ${name} | ${median(sorted).toFixed(0)} | ${percentile(sorted, 0.9).toFixed(0)} |`);
  }
  results.coldStart = coldSummary;
  for (const name of Object.keys(BARE_SERVERS)) {
    const ratio = coldSummary.proxy!.median / coldSummary[name]!.median;
    out(`proxy / ${name}: ${ratio.toFixed(2)}×`);
  }
  out();

  // ---- first start, on empty caches ----
  const first = await measureFirstStart(backend.url, FIRST_RUNS);
  const remoteFirst = first["npx -y mcp-remote"]!.median;
  out(
    `First session on empty caches, spawn -> initialize -> tools/list -> one call (median of ${FIRST_RUNS})`,
  );
  out("| program | median ms | runs ms | vs npx -y mcp-remote | cache MB |");
  out("| --- | --- | --- | --- | --- |");
  for (const [name, result] of Object.entries(first)) {
    out(
      `| ${name} | ${result.median.toFixed(0)} | ${
        result.samples.map((v) => v.toFixed(0)).join(", ")
      } | ${(result.median / remoteFirst).toFixed(2)}x | ${result.cacheMb.toFixed(0)} |`,
    );
  }
  results.firstStart = first;
  out();

  // ---- import cost per module, each run in a fresh process ----
  const importRuns: Record<string, number>[] = [];
  for (let run = 0; run < 5; run++) {
    const child = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", "--allow-read", "--allow-env", `${REPO_ROOT}bench/import_steps.ts`],
      stderr: "inherit",
    }).output();
    importRuns.push(JSON.parse(new TextDecoder().decode(child.stdout)));
  }
  out("Import cost at start, per module group (median of 5 fresh processes)");
  out("| what | ms |");
  out("| --- | --- |");
  const importCost: Record<string, number> = {};
  for (const name of Object.keys(importRuns[0]!)) {
    importCost[name] = median(importRuns.map((r) => r[name]!));
    out(`| ${name} | ${importCost[name]!.toFixed(1)} |`);
  }
  results.importMs = importCost;
  out();

  // ---- clients: direct and through the proxy ----
  const credentials = () =>
    Promise.resolve({ accessKeyId: EXAMPLE_KEY_ID, secretAccessKey: EXAMPLE_SECRET });
  const direct = await connectSigV4Client({
    endpoint: backend.url,
    service: "execute-api",
    region: "us-east-1",
    credentials,
    metadata: { AWS_REGION: "us-east-1" },
  });
  const { client: proxied, pid: proxiedPid } = await connectProxy(env, "bench-proxy");
  // Side by side: the direct client first, then what a user would put between it and the backend.
  const routes: { name: string; client: BenchClient }[] = [
    { name: "direct (SDK client, signed)", client: direct },
    { name: "through the proxy", client: proxied },
  ];
  if (mcpRemote) {
    const remote = new Client({ name: "bench-mcp-remote", version: "1" });
    await remote.connect(
      new StdioClientTransport({
        command: "node",
        args: [mcpRemote, backend.url.href, "--allow-http", "--transport", "http-only"],
        env,
        stderr: "ignore",
      }),
    );
    routes.push({ name: `through mcp-remote ${MCP_REMOTE_VERSION} (unsigned)`, client: remote });
  }

  const samples = await latencies(routes.map((r) => r.client), LATENCY_CALLS);
  const summary = (s: number[]) => ({
    p50: percentile(s, 0.5),
    p90: percentile(s, 0.9),
    p99: percentile(s, 0.99),
  });
  const cells = (t: { p50: number; p90: number; p99: number }) =>
    `${t.p50.toFixed(3)} | ${t.p90.toFixed(3)} | ${t.p99.toFixed(3)}`;
  out(
    `tools/call round trip (${LATENCY_CALLS} sequential calls each, alternating in a new random order each round)`,
  );
  out("| client | p50 ms | p90 ms | p99 ms |");
  out("| --- | --- | --- | --- |");
  const directTimes = summary(samples[0]!);
  const latencyResults: Record<string, unknown> = {};
  for (const [n, route] of routes.entries()) {
    const times = summary(samples[n]!);
    out(`| ${route.name} | ${cells(times)} |`);
    if (n === 0) {
      latencyResults.direct = times;
      continue;
    }
    const added = {
      p50: times.p50 - directTimes.p50,
      p90: times.p90 - directTimes.p90,
      p99: times.p99 - directTimes.p99,
    };
    out(`| added ${route.name.replace(/^through /, "by ")} | ${cells(added)} |`);
    latencyResults[n === 1 ? "proxy" : "mcpRemote"] = times;
    latencyResults[n === 1 ? "added" : "addedByMcpRemote"] = added;
  }
  results.latencyMs = latencyResults;
  out();

  out(
    `Throughput (${THROUGHPUT_CALLS} calls per level, median of ${THROUGHPUT_ROUNDS} interleaved rounds), calls/s and ratio to direct`,
  );
  out(`| in flight | ${routes.map((r) => r.name).join(" | ")} |`);
  out(`| --- | ${routes.map(() => "---").join(" | ")} |`);
  const tput: Record<string, Record<string, number>> = {};
  for (const inFlight of [1, 8, 32, 128]) {
    // Interleaved rounds, median of each: one short run is at the mercy of the machine.
    const runs: number[][] = routes.map(() => []);
    for (let round = 0; round < THROUGHPUT_ROUNDS; round++) {
      for (const [n, route] of routes.entries()) {
        runs[n]!.push(await throughput(route.client, inFlight, THROUGHPUT_CALLS));
      }
    }
    const rates = runs.map(median);
    const [d, p, m] = rates as [number, number, number | undefined];
    tput[inFlight] = {
      direct: d,
      proxy: p,
      ratio: p / d,
      ...(m === undefined ? {} : { mcpRemote: m, mcpRemoteRatio: m / d }),
    };
    out(
      `| ${inFlight} | ${d.toFixed(0)} | ${
        rates.slice(1).map((r) => `${r.toFixed(0)} (${(r / d).toFixed(2)}×)`).join(" | ")
      } |`,
    );
  }
  results.throughput = tput;
  out();
  // The proxy that served every call above: its peak over all of them, and where it ended.
  const served = rss(proxiedPid);

  // ---- memory ----
  // Each program does the same work before its steady reading: RSS grows with
  // the requests a Deno program has served, whatever it is.
  const bare1 = await bareSteady("bare Deno SDK 1.x server", env);
  const bare2 = await bareSteady("bare Deno SDK 2.x server", env);
  const plain = await proxyMemory(env);
  const big = await tenMbPeak(env);
  out(`Memory (RSS of the process, after ${EARLY_CALLS} and ${STEADY_CALLS} round trips each)`);
  out(
    `| what | MB after ${EARLY_CALLS} | ratio to bare 1.x | ratio to bare 2.x | MB after ${STEADY_CALLS} | ratio to bare 1.x | ratio to bare 2.x | after load MB |`,
  );
  out("| --- | --- | --- | --- | --- | --- | --- | --- |");
  const bareRow = (name: string, m: { early: number; steady: number }) =>
    out(`| ${name} | ${m.early.toFixed(1)} | | | ${m.steady.toFixed(1)} | | | |`);
  bareRow("bare Deno SDK 1.x server", bare1);
  bareRow("bare Deno SDK 2.x server", bare2);
  out(
    `| proxy, as the README runs it | ${plain.early.toFixed(1)} | ${
      (plain.early / bare1.early).toFixed(2)
    }× | ${(plain.early / bare2.early).toFixed(2)}× | ${plain.steady.toFixed(1)} | ${
      (plain.steady / bare1.steady).toFixed(2)
    }× | ${(plain.steady / bare2.steady).toFixed(2)}× | ${plain.afterLoad.toFixed(1)} |`,
  );
  out();
  out(
    `The proxy that served the latency and throughput runs: peak ${served.peakMb.toFixed(1)} MB, ${
      served.rssMb.toFixed(1)
    } MB at the end`,
  );
  out(
    `One 10 MB result through a fresh proxy: ${big.before.toFixed(1)} MB before, peak ${
      big.peak.toFixed(1)
    } MB, +${big.added.toFixed(1)} MB (${(big.added / 10).toFixed(2)}× its size)`,
  );
  results.memoryMb = {
    bareSdk1Steady: bare1,
    bareSdk2Steady: bare2,
    proxy: plain,
    tenMbResult: big,
    servedLatencyAndThroughput: served,
  };

  for (const route of routes) await route.client.close();
} finally {
  await backend.stop();
  await home.remove();
}

// ---- signing: Deno.bench, run here so that its figures land in the same JSON ----
interface BenchOk {
  avg: number;
  p75: number;
  p99: number;
}
const signing = await new Deno.Command(Deno.execPath(), {
  args: ["bench", "--allow-env", "--json", `${REPO_ROOT}bench/signing_bench.ts`],
  stderr: "inherit",
}).output();
const report = JSON.parse(new TextDecoder().decode(signing.stdout)) as {
  benches: { name: string; results: { ok?: BenchOk }[] }[];
};
out("Signing (Deno.bench), µs");
out("| what | avg | p75 | p99 |");
out("| --- | --- | --- | --- |");
const signingResults: Record<string, BenchOk> = {};
for (const bench of report.benches) {
  const ok = bench.results[0]?.ok;
  if (!ok) throw new Error(`${bench.name} failed`);
  const us = { avg: ok.avg / 1000, p75: ok.p75 / 1000, p99: ok.p99 / 1000 };
  signingResults[bench.name] = us;
  out(`| ${bench.name} | ${us.avg.toFixed(2)} | ${us.p75.toFixed(2)} | ${us.p99.toFixed(2)} |`);
}
results.signingMicroseconds = signingResults;

await Deno.mkdir(`${REPO_ROOT}bench/results`, { recursive: true });
await Deno.writeTextFile(`${REPO_ROOT}bench/results/latest.json`, JSON.stringify(results, null, 2));
out();
out("Written to bench/results/latest.json");
