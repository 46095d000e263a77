import { assertEquals, assertThrows } from "./assert.ts";
import { parseCommand, UsageError } from "../src/cli/args.ts";

const URL_ = "https://aws-mcp.us-east-1.api.aws/mcp";

function run(argv: string[], env = {}) {
  const command = parseCommand(argv, env);
  if (command.kind !== "run") throw new Error(`expected run, got ${command.kind}`);
  return command.options;
}

Deno.test("defaults: read-only, info logs, 180 s timeout, 2 retries, no extras", () => {
  const options = run([URL_]);
  assertEquals(options.endpoint.href, URL_);
  assertEquals(options.allowWrite, false);
  assertEquals(options.logLevel, "info");
  assertEquals(options.timeoutSeconds, 180);
  assertEquals(options.retries, 2);
  assertEquals(options.metadata, {});
  assertEquals(options.headers, {});
  assertEquals("profile" in options, false);
});

Deno.test("every flag is read", () => {
  const options = run([
    URL_,
    "--service=svc",
    "--region",
    "eu-west-1",
    "--profile",
    "dev",
    "--allow-write",
    "--include-tool",
    "get_*",
    "--exclude-tool",
    "get_secret",
    "--metadata",
    "A=1",
    "--metadata",
    "B=x=y",
    "--header",
    "X-Tenant: blue",
    "--timeout",
    "2.5",
    "--retries",
    "0",
    "--log-level",
    "debug",
  ]);
  assertEquals(options.service, "svc");
  assertEquals(options.region, "eu-west-1");
  assertEquals(options.profile, "dev");
  assertEquals(options.allowWrite, true);
  assertEquals(options.includeTools, ["get_*"]);
  assertEquals(options.excludeTools, ["get_secret"]);
  assertEquals(options.metadata, { A: "1", B: "x=y" });
  assertEquals(options.headers, { "x-tenant": "blue" });
  assertEquals(options.timeoutSeconds, 2.5);
  assertEquals(options.retries, 0);
  assertEquals(options.logLevel, "debug");
});

Deno.test("--profile falls back to AWS_PROFILE", () => {
  assertEquals(run([URL_], { AWS_PROFILE: "work" }).profile, "work");
  assertEquals(run([URL_, "--profile", "cli"], { AWS_PROFILE: "work" }).profile, "cli");
});

Deno.test("--help and --version win over everything else", () => {
  assertEquals(parseCommand(["--help"], {}).kind, "help");
  assertEquals(parseCommand(["-h", URL_], {}).kind, "help");
  assertEquals(parseCommand(["-V"], {}).kind, "version");
});

const BAD: [string[], RegExp][] = [
  [[], /Missing the endpoint/],
  [[URL_, URL_], /Expected one endpoint, got 2/],
  [[URL_, "--bogus"], /Unknown option '--bogus'/],
  [[URL_, "--region"], /--region/],
  [[URL_, "--region", ""], /--region needs a value/],
  [[URL_, "--log-level", "loud"], /--log-level must be one of error, warn, info, debug/],
  [[URL_, "--timeout", "0"], /--timeout must be a positive number/],
  [[URL_, "--timeout", "soon"], /--timeout must be a positive number/],
  [[URL_, "--retries", "1.5"], /--retries must be a whole number from 0 to 10/],
  [[URL_, "--retries", "11"], /--retries must be a whole number from 0 to 10/],
  [[URL_, "--metadata", "novalue"], /must look like KEY=VALUE/],
  [[URL_, "--header", "Authorization: x"], /cannot set the authorization header, since/],
  [["http://example.com/mcp"], /plain http is allowed only for localhost/],
  [["example.com"], /Cannot parse the endpoint/],
];

for (const [argv, message] of BAD) {
  Deno.test(`refused with a usage error: ${argv.join(" ") || "(nothing)"}`, () => {
    assertThrows(
      () => parseCommand(argv, {}),
      (error: unknown) => error instanceof UsageError && message.test(error.message),
    );
  });
}

Deno.test("--print-config carries the proxy's own flags, not the endpoint or --client", () => {
  const command = parseCommand([
    "--print-config",
    "https://aws-mcp.us-east-1.api.aws/mcp",
    "--profile",
    "dev",
    "--client",
    "vscode",
    "--allow-tool=read_*",
    "--allow-write",
  ], {});
  assertEquals(command.kind, "print-config");
  if (command.kind !== "print-config") return;
  assertEquals(command.client, "vscode");
  assertEquals(command.flags, ["--profile", "dev", "--allow-tool=read_*", "--allow-write"]);
  assertThrows(
    () => parseCommand(["https://aws-mcp.us-east-1.api.aws/mcp", "--client", "claude"], {}),
    UsageError,
    "--client goes with --print-config",
  );
  assertThrows(
    () =>
      parseCommand(
        ["--print-config", "https://aws-mcp.us-east-1.api.aws/mcp", "--client", "x"],
        {},
      ),
    UsageError,
    "--client must be one of claude, vscode",
  );
});
