/**
 * Whole-CLI tests: the program spawned with the documented flags; stdout,
 * stderr and the exit code checked separately.
 */
import { assert, assertEquals, assertMatch } from "./assert.ts";
import denoJson from "../deno.json" with { type: "json" };
import { ENV_PERMISSION } from "../src/cli/permissions.ts";
import { proxyEnv, REPO_ROOT, spawnPiped } from "./fixtures/proxy_process.ts";

const ENDPOINT = "https://abc.execute-api.us-east-1.amazonaws.com/prod/mcp";
const FULL = [
  "--allow-net=abc.execute-api.us-east-1.amazonaws.com",
  "--allow-read=/nonexistent/.aws",
  `--allow-env=${ENV_PERMISSION}`,
];

async function cli(permissions: string[], args: string[], env: Record<string, string> = {}) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--no-prompt", ...permissions, `${REPO_ROOT}mod.ts`, ...args],
    env: { ...proxyEnv("/nonexistent", {}, false), ...env },
    clearEnv: true,
    stdin: "null",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

Deno.test("--help prints every flag, its default and the permission flags, on stdout", async () => {
  const { code, stdout, stderr } = await cli([], ["--help"]);
  assertEquals(code, 0);
  assertEquals(stderr, "");
  for (
    const flag of [
      "--service",
      "--region",
      "--profile",
      "--allow-write",
      "--allow-tool",
      "--include-tool",
      "--exclude-tool",
      "--metadata",
      "--header",
      "--timeout",
      "--retries",
      "--log-level",
      "--version",
    ]
  ) {
    assert(stdout.includes(flag), `help mentions ${flag}`);
  }
  assertMatch(stdout, /default: info/);
  assertMatch(stdout, /default: 180/);
  assert(stdout.includes(`--allow-env=${ENV_PERMISSION}`));
  assert(stdout.includes(`jsr:${denoJson.name}`));
});

Deno.test("--version prints the package version", async () => {
  const { code, stdout, stderr } = await cli([], ["--version"]);
  assertEquals([code, stdout, stderr], [0, `aws-mcp-proxy ${denoJson.version}\n`, ""]);
});

const BAD: [string[], RegExp][] = [
  [[], /Missing the endpoint/],
  [[ENDPOINT, "--bogus"], /Unknown option '--bogus' \(see --help\)\n$/],
  [[ENDPOINT, "--alow-write"], /Unknown option '--alow-write'; did you mean --allow-write\?/],
  [["http://example.com/mcp"], /plain http is allowed only for localhost/],
  [["https://mcp.example.com/mcp", "--region", "us-east-1"], /pass --service/],
  [["https://mcp.example.com/mcp", "--service", "s"], /pass --region/],
  [[ENDPOINT, "--log-level", "loud"], /--log-level must be one of/],
  [[ENDPOINT, "--header", "Host: x"], /--header cannot set the host header/],
  [[ENDPOINT, "--header", "Authorization: x"], /authorization header, since the proxy .* sets it/],
  [[ENDPOINT, "--allow-net=example.com"], /--allow-net is a Deno flag: put it before the package/],
  [[ENDPOINT, "--cert", "ca.pem"], /--cert is a Deno flag/],
  [[ENDPOINT, "--retries=-1"], /--retries must be a whole number/],
  [["not a url"], /Cannot parse the endpoint/],
];

for (const [args, message] of BAD) {
  Deno.test(`bad arguments exit 2 with one line on stderr: ${args.join(" ") || "(none)"}`, async () => {
    const { code, stdout, stderr } = await cli([...FULL, "--allow-net=mcp.example.com"], args);
    assertEquals(code, 2);
    assertEquals(stdout, "", "stdout stays clean for the protocol");
    assertEquals(stderr.trim().split("\n").length, 1, stderr);
    assertMatch(stderr, message);
  });
}

Deno.test("a missing --allow-net names the endpoint host to allow", async () => {
  const { code, stdout, stderr } = await cli(FULL.slice(1), [ENDPOINT]);
  assertEquals([code, stdout], [2, ""]);
  assertMatch(
    stderr,
    /missing Deno permissions: add --allow-net=abc\.execute-api\.us-east-1\.amazonaws\.com/,
  );
});

Deno.test("a missing --allow-env names the variables to allow", async () => {
  const { code, stderr } = await cli([FULL[0]!, FULL[1]!, "--allow-env=AWS_*"], [ENDPOINT]);
  assertEquals(code, 2);
  assert(stderr.includes(`--allow-env=${ENV_PERMISSION}`), stderr);
});

Deno.test("a missing --allow-read names the AWS config directory when credentials come from files", async () => {
  const { code, stderr } = await cli([FULL[0]!, FULL[2]!], [ENDPOINT, "--profile", "dev"]);
  assertEquals(code, 2);
  assertMatch(stderr, /--allow-read=\/nonexistent\/\.aws/);
});

const HAS_SCRIPT = (() => {
  try {
    return new Deno.Command("script", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
})();

/**
 * Runs the CLI on a pseudo-terminal (util-linux `script`), where Deno would
 * prompt for a missing permission instead of failing; stdin answers nothing.
 */
async function onTerminal(permissions: string[]) {
  const quote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;
  const command = [
    Deno.execPath(),
    "run",
    "--quiet",
    ...permissions,
    `${REPO_ROOT}mod.ts`,
    ENDPOINT,
  ]
    .map(quote).join(" ");
  const child = spawnPiped(
    "timeout",
    ["10", "script", "--quiet", "--return", "--command", command, "/dev/null"],
    proxyEnv("/nonexistent", {}, false),
  );
  const output = await child.output();
  return { code: output.code, text: new TextDecoder().decode(output.stdout) };
}

Deno.test({
  name: "on a terminal, missing permissions are named in one line, exit 2, with no prompt",
  ignore: !HAS_SCRIPT,
  fn: async () => {
    for (
      const [permissions, named] of [
        [[], ["--allow-net=", "--allow-env=", "--allow-read="]],
        [[FULL[0]!], ["--allow-env=", "--allow-read="]],
        [[FULL[2]!], ["--allow-net=", "--allow-read=/nonexistent/.aws"]],
        [[FULL[0]!, FULL[1]!], ["--allow-env="]],
      ] as const
    ) {
      const { code, text } = await onTerminal([...permissions]);
      assert(!text.includes("Deno requests"), `no prompt with ${permissions}:\n${text}`);
      assertEquals(code, 2, text);
      const lines = text.trim().split("\n");
      assertEquals(lines.length, 1, text);
      assertMatch(lines[0]!, /ERROR missing Deno permissions: add /);
      for (const flag of named) assert(lines[0]!.includes(flag), `${flag} named in: ${text}`);
    }
  },
});

Deno.test("when it cannot start, the proxy answers the client's initialize with the reason, then exits", async () => {
  const child = spawnPiped(
    Deno.execPath(),
    ["run", "--quiet", ...FULL.slice(1), `${REPO_ROOT}mod.ts`, ENDPOINT],
    proxyEnv("/nonexistent", {}, false),
  );
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(
    '{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"inspector","version":"1"}}}\n',
  ));
  const output = await child.output();
  const reply = JSON.parse(new TextDecoder().decode(output.stdout));
  assertEquals(output.code, 2);
  assertEquals(reply.id, "init");
  assertMatch(
    reply.error.message,
    /^aws-mcp-proxy cannot start: missing Deno permissions: add --allow-net=abc\.execute-api/,
  );
  await writer.close().catch(() => {});
});

Deno.test("an unknown profile names the files searched and the nearest profile, without SDK noise", async () => {
  const home = await Deno.makeTempDir();
  await Deno.mkdir(`${home}/.aws`);
  await Deno.writeTextFile(`${home}/.aws/config`, "[profile dev]\nregion = us-east-1\n");
  try {
    const { code, stderr } = await cli(
      [FULL[0]!, `--allow-read=${home}/.aws`, FULL[2]!],
      [ENDPOINT, "--profile", "deb"],
      { HOME: home, AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "x" },
    );
    assertEquals(code, 2);
    assertEquals(stderr.trim().split("\n").length, 1, stderr);
    assertMatch(
      stderr,
      new RegExp(
        `AWS profile "deb" is not in ${home}/\\.aws/config or ${home}/\\.aws/credentials; did you mean "dev"\\?`,
      ),
    );
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
