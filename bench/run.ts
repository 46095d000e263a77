/**
 * Side-by-side benchmarks in one run on one machine: cold start, added
 * latency, throughput and memory of the proxy, against a bare Deno MCP SDK
 * stdio server, an SDK client talking to the backend directly, and
 * mcp-remote from npm. Prints a table and writes `bench/results/latest.json`.
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
import { startServerProcess } from "../tests/fixtures/server_process.ts";
import { EXAMPLE_KEY_ID, EXAMPLE_SECRET } from "../tests/fixtures/backend.ts";

const COLD_RUNS = Number(Deno.env.get("BENCH_COLD_RUNS") ?? 15);
const LATENCY_CALLS = Number(Deno.env.get("BENCH_LATENCY_CALLS") ?? 2000);
const THROUGHPUT_CALLS = Number(Deno.env.get("BENCH_THROUGHPUT_CALLS") ?? 2000);
const MCP_REMOTE_VERSION = "0.15.1";
const SCOPE = [...BACKEND_SCOPE];
const INIT = initializeLine(0);

const out = (line = "") => Deno.stdout.writeSync(new TextEncoder().encode(`${line}\n`));
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
const median = (values: number[]) => percentile([...values].sort((a, b) => a - b), 0.5);

async function startBackendProcess(): Promise<{ url: URL; stop: () => Promise<void> }> {
  const backend = await startServerProcess({
    args: [
      "run",
      "--quiet",
      "--allow-net=127.0.0.1",
      "--allow-env",
      `${REPO_ROOT}tests/fixtures/backend.ts`,
      "--no-verify",
    ],
    readyOn: "stdout",
    ready: /\n/,
  });
  return { url: new URL(JSON.parse(backend.output).url), stop: backend.stop };
}

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

function rss(pid: number): { rssMb: number; peakMb: number } {
  // Deno lets only --allow-all read /proc directly; `cat` needs --allow-run alone.
  const status = new TextDecoder().decode(
    new Deno.Command("cat", { args: [`/proc/${pid}/status`] }).outputSync().stdout,
  );
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rssMb: kb("VmRSS") / 1024, peakMb: kb("VmHWM") / 1024 };
}

async function latency(client: Client, calls: number): Promise<number[]> {
  for (let i = 0; i < 200; i++) {
    await client.callTool({ name: "echo", arguments: { text: "warm" } });
  }
  const samples: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t = performance.now();
    await client.callTool({ name: "echo", arguments: { text: `call ${i}` } });
    samples.push(performance.now() - t);
  }
  return samples.sort((a, b) => a - b);
}

async function throughput(client: Client, inFlight: number, calls: number): Promise<number> {
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

const backend = await startBackendProcess();
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
    ["bare Deno SDK server", Deno.execPath(), [
      "run",
      "--quiet",
      `${REPO_ROOT}bench/bare_server.ts`,
    ]],
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
  const proxyTransport = new StdioClientTransport({
    command: Deno.execPath(),
    args: proxyCommand(backend.url, home.home, [...SCOPE, "--log-level", "warn"]),
    env,
    stderr: "inherit",
  });
  const proxied = new Client({ name: "bench-proxy", version: "1" });
  await proxied.connect(proxyTransport);
  const proxyPid = proxyTransport.pid!;

  const directLatency = await latency(direct, LATENCY_CALLS);
  const proxyLatency = await latency(proxied, LATENCY_CALLS);
  const row = (name: string, s: number[]) =>
    `| ${name} | ${percentile(s, 0.5).toFixed(3)} | ${percentile(s, 0.9).toFixed(3)} | ${
      percentile(s, 0.99).toFixed(3)
    } |`;
  out(`tools/call round trip (${LATENCY_CALLS} sequential calls)`);
  out("| client | p50 ms | p90 ms | p99 ms |");
  out("| --- | --- | --- | --- |");
  out(row("direct (SDK client, signed)", directLatency));
  out(row("through the proxy", proxyLatency));
  const added = (p: number) => percentile(proxyLatency, p) - percentile(directLatency, p);
  out(
    `| added by the proxy | ${added(0.5).toFixed(3)} | ${added(0.9).toFixed(3)} | ${
      added(0.99).toFixed(3)
    } |`,
  );
  results.latencyMs = {
    direct: {
      p50: percentile(directLatency, 0.5),
      p90: percentile(directLatency, 0.9),
      p99: percentile(directLatency, 0.99),
    },
    proxy: {
      p50: percentile(proxyLatency, 0.5),
      p90: percentile(proxyLatency, 0.9),
      p99: percentile(proxyLatency, 0.99),
    },
    added: { p50: added(0.5), p90: added(0.9), p99: added(0.99) },
  };
  out();

  const steady = rss(proxyPid);
  out(`Throughput (${THROUGHPUT_CALLS} calls per level)`);
  out("| in flight | direct calls/s | proxy calls/s | ratio |");
  out("| --- | --- | --- | --- |");
  const tput: Record<string, { direct: number; proxy: number; ratio: number }> = {};
  for (const inFlight of [1, 8, 32, 128]) {
    const d = await throughput(direct, inFlight, THROUGHPUT_CALLS);
    const p = await throughput(proxied, inFlight, THROUGHPUT_CALLS);
    tput[inFlight] = { direct: d, proxy: p, ratio: p / d };
    out(`| ${inFlight} | ${d.toFixed(0)} | ${p.toFixed(0)} | ${(p / d).toFixed(2)} |`);
  }
  results.throughput = tput;
  out();

  // ---- memory ----
  const bare = new StdioClientTransport({
    command: Deno.execPath(),
    args: ["run", "--quiet", `${REPO_ROOT}bench/bare_server.ts`],
    env,
    stderr: "inherit",
  });
  const bareClient = new Client({ name: "bench-bare", version: "1" });
  await bareClient.connect(bare);
  for (let i = 0; i < 500; i++) await bareClient.ping();
  const bareRss = rss(bare.pid!);
  await bareClient.close();
  const afterLoad = rss(proxyPid);
  const before10 = rss(proxyPid);
  const big = await proxied.callTool({
    name: "big_result",
    arguments: { bytes: 10_000_000 },
  });
  const after10 = rss(proxyPid);
  const bigText = (big.content as { text: string }[])[0]!.text.length;
  out("Memory (RSS of the process)");
  out("| what | MB |");
  out("| --- | --- |");
  out(`| bare Deno SDK server, steady | ${bareRss.rssMb.toFixed(1)} |`);
  out(`| proxy, steady after the latency runs | ${steady.rssMb.toFixed(1)} |`);
  out(
    `| proxy, after the throughput runs (peak so far) | ${afterLoad.rssMb.toFixed(1)} (${
      afterLoad.peakMb.toFixed(1)
    }) |`,
  );
  out(
    `| proxy, peak while a 10 MB result passed | ${after10.peakMb.toFixed(1)} (+${
      (after10.peakMb - before10.rssMb).toFixed(1)
    } over ${(bigText / 1e6).toFixed(0)} MB) |`,
  );
  results.memoryMb = {
    bareSteady: bareRss.rssMb,
    proxySteady: steady.rssMb,
    proxyAfterLoad: afterLoad,
    tenMbResultPeakAdded: after10.peakMb - before10.rssMb,
  };

  await direct.close();
  await proxied.close();
} finally {
  await backend.stop();
  await home.remove();
}

await Deno.mkdir(`${REPO_ROOT}bench/results`, { recursive: true });
await Deno.writeTextFile(`${REPO_ROOT}bench/results/latest.json`, JSON.stringify(results, null, 2));
out();
out("Written to bench/results/latest.json");
