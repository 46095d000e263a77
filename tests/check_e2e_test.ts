/**
 * End-to-end: `--check` as a user runs it from a terminal, with the
 * permissions the README gives, against the SigV4-verifying backend and a
 * local STS.
 */
import { assert, assertEquals, assertMatch } from "./assert.ts";
import { EXAMPLE_KEY_ID, EXAMPLE_SECRET, startBackend } from "./fixtures/backend.ts";
import { startFakeAws } from "./fixtures/fake_aws.ts";
import {
  BACKEND_SCOPE,
  makeAwsHome,
  proxyCommand,
  proxyEnv,
  REPO_ROOT,
} from "./fixtures/proxy_process.ts";
import type { TestKey } from "./fixtures/sigv4_verify.ts";

const CREDENTIALS =
  `[dev]\naws_access_key_id = ${EXAMPLE_KEY_ID}\naws_secret_access_key = ${EXAMPLE_SECRET}\n`;

async function checkRun(
  endpoint: URL,
  home: string,
  args: string[],
  env: Record<string, string>,
  allowNet: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: proxyCommand(endpoint, home, [...BACKEND_SCOPE, "--check", ...args], allowNet),
    env: proxyEnv(home, env, false),
    clearEnv: true,
    cwd: REPO_ROOT,
    stdin: "null",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

Deno.test("--check says line by line what works: credentials, identity, endpoint, server, tools", async () => {
  const keys = new Map<string, TestKey>([[EXAMPLE_KEY_ID, { secretAccessKey: EXAMPLE_SECRET }]]);
  const backend = startBackend({ keys });
  const aws = startFakeAws(keys);
  const home = await makeAwsHome({ credentials: CREDENTIALS });
  try {
    const env = { AWS_ENDPOINT_URL_STS: aws.sts.origin };
    const withSts = `${backend.url.host},${aws.sts.host}`;
    const ok = await checkRun(backend.url, home.home, ["--profile", "dev"], env, withSts);
    assertEquals(ok.code, 0, ok.stdout + ok.stderr);
    assertMatch(ok.stdout, /^ok {3}credentials: profile dev: keys of profile dev, not expiring$/m);
    assertMatch(
      ok.stdout,
      /^ok {3}identity: arn:aws:iam::123456789012:user\/AKIDEXAMPLE \(account 123456789012\)$/m,
    );
    assertMatch(
      ok.stdout,
      /^ok {3}endpoint: .* signature accepted; protocol 2025-11-25; server "sigv4-test-backend"/m,
    );
    assertMatch(
      ok.stdout,
      /^ok {3}tools: 14 offered, \d+ shown; hidden: .*write_note \(readOnlyHint: false\)/m,
    );
    assertMatch(ok.stdout, /^ok {3}round trip: tools\/list in \d+ ms$/m);
    assert(!ok.stdout.includes(EXAMPLE_SECRET) && !ok.stderr.includes(EXAMPLE_SECRET));

    // Without the STS host: the identity is skipped, with how to allow it, and the rest passes.
    const noSts = await checkRun(
      backend.url,
      home.home,
      ["--profile", "dev"],
      env,
      backend.url.host,
    );
    assertEquals(noSts.code, 0, noSts.stdout);
    assertMatch(
      noSts.stdout,
      new RegExp(
        `^skip identity: add --allow-net=${aws.sts.host.replaceAll(".", "\\.")} to this check`,
        "m",
      ),
    );

    // For scripts.
    const json = await checkRun(
      backend.url,
      home.home,
      ["--profile", "dev", "--json"],
      env,
      withSts,
    );
    const report = JSON.parse(json.stdout);
    assertEquals(report.ok, true);
    assertEquals(report.checks.map((c: { what: string }) => c.what), [
      "permissions",
      "credentials",
      "identity",
      "endpoint",
      "tools",
      "round trip",
    ]);
  } finally {
    await aws.close();
    await backend.close();
    await home.remove();
  }
});

Deno.test("--check exits 1 and says what to do when the signature is refused or a permission is missing", async () => {
  const backend = startBackend();
  const home = await makeAwsHome({
    credentials: `[dev]\naws_access_key_id = AKIDWRONGEXAMPLE\naws_secret_access_key = nope\n`,
  });
  try {
    const refused = await checkRun(
      backend.url,
      home.home,
      ["--profile", "dev"],
      {},
      backend.url.host,
    );
    assertEquals(refused.code, 1, refused.stdout);
    assertMatch(refused.stdout, /^fail endpoint: /m);
    const noNet = await checkRun(backend.url, home.home, ["--profile", "dev"], {}, "example.com");
    assertEquals(noNet.code, 1, noNet.stdout);
    assertMatch(noNet.stdout, /^fail start-up: missing Deno permissions: add --allow-net=/m);
  } finally {
    await backend.close();
    await home.remove();
  }
});
