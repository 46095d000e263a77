/**
 * End-to-end, without AWS: every source of the credential chain produces
 * credentials the SigV4-checking backend accepts, through the real proxy
 * under the README's base permissions plus exactly the flags the proxy's
 * start-up check names for that source. Local fakes stand in for the SSO
 * portal, SSO OIDC, STS and the instance metadata service, reached through
 * the AWS SDK's own endpoint overrides.
 */
import { createHash } from "node:crypto";
import { assert, assertEquals, assertMatch } from "./assert.ts";
import { type Backend, EXAMPLE_KEY_ID, EXAMPLE_SECRET, startBackend } from "./fixtures/backend.ts";
import { type FakeAws, startFakeAws } from "./fixtures/fake_aws.ts";
import {
  BACKEND_SCOPE,
  INITIALIZED_LINE,
  initializeLine,
  makeAwsHome,
  proxyEnv,
  REPO_ROOT,
  spawnPiped,
  spawnRawProxy,
  toolCallLine,
  withProxyStderr,
} from "./fixtures/proxy_process.ts";
import { ENV_PERMISSION } from "../src/cli/permissions.ts";
import type { TestKey } from "./fixtures/sigv4_verify.ts";

const SSO_CONFIG = `[profile dev]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = ReadOnly
region = us-east-1
[sso-session corp]
sso_start_url = https://example.awsapps.com/start
sso_region = eu-west-1
`;

interface Source {
  /** What the test calls it. */
  name: string;
  /** `~/.aws` files; `$HOME` in them is replaced by the home directory. */
  config?: string;
  credentials?: string;
  /** Extra files in the home directory, by path below it. */
  files?: Record<string, string>;
  /** Proxy flags after the backend scope. */
  args?: string[];
  /** Environment on top of the fakes' endpoint overrides; no keys unless given. */
  env?: (aws: FakeAws, backend: Backend) => Record<string, string>;
  /** The flags the start-up check must name, as patterns. */
  named: (aws: FakeAws, home: string) => RegExp;
  /** What the fakes must have seen once a call went through. */
  used: (aws: FakeAws) => void;
}

function ssoCache(aws: FakeAws, expiresInMs: number): Record<string, string> {
  const name = createHash("sha1").update("corp").digest("hex");
  return {
    [`.aws/sso/cache/${name}.json`]: JSON.stringify({
      startUrl: "https://example.awsapps.com/start",
      region: "eu-west-1",
      accessToken: aws.validToken,
      expiresAt: new Date(Date.now() + expiresInMs).toISOString(),
      clientId: "client-id",
      clientSecret: "client-secret",
      registrationExpiresAt: new Date(Date.now() + 86400_000).toISOString(),
      refreshToken: "refresh-token-1",
    }),
  };
}

/** The SigV4 backend, fake AWS services, and a home whose SSO profile `dev` is logged in. */
async function ssoSetup() {
  const keys = new Map<string, TestKey>([[EXAMPLE_KEY_ID, { secretAccessKey: EXAMPLE_SECRET }]]);
  const backend = startBackend({ keys });
  const aws = startFakeAws(keys);
  const home = await makeAwsHome({ config: SSO_CONFIG });
  for (const [path, text] of Object.entries(ssoCache(aws, 3600_000))) {
    await Deno.mkdir(`${home.home}/.aws/sso/cache`, { recursive: true });
    await Deno.writeTextFile(`${home.home}/${path}`, text);
  }
  return { backend, aws, home };
}

const netFlag = (...urls: URL[]) => urls.map((u) => u.host.replaceAll(".", "\\.")).join(",");

const SOURCES: Source[] = [
  {
    name: "an SSO profile logged in with aws sso login",
    config: SSO_CONFIG,
    args: ["--profile", "dev"],
    named: (aws) =>
      new RegExp(`\\(SSO \\(profile dev\\)\\): add --allow-net=${netFlag(aws.sso, aws.oidc)}$`),
    used: (aws) => assertEquals(aws.calls.getRoleCredentials, ["sso-access-token-1"]),
  },
  {
    name: "an SSO profile whose token has expired is refreshed through OIDC",
    config: SSO_CONFIG,
    args: ["--profile", "dev"],
    named: (aws) => new RegExp(`add --allow-net=${netFlag(aws.sso, aws.oidc)}$`),
    used: (aws) => {
      assertEquals(aws.calls.createToken, 1);
      assertEquals(aws.calls.getRoleCredentials, ["sso-access-token-2"]);
    },
  },
  {
    name: "an assume-role profile with a source_profile",
    config:
      "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/Example\nsource_profile = base\nregion = us-west-2\n",
    credentials:
      `[base]\naws_access_key_id = ${EXAMPLE_KEY_ID}\naws_secret_access_key = ${EXAMPLE_SECRET}\n`,
    args: ["--profile", "dev"],
    named: (aws) =>
      new RegExp(
        `\\(assume-role .* from keys of profile base\\): add --allow-net=${netFlag(aws.sts)}$`,
      ),
    used: (aws) => assertEquals(aws.calls.assumeRole, [EXAMPLE_KEY_ID]),
  },
  {
    name: "an assume-role profile with credential_source = Environment",
    config:
      "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/Example\ncredential_source = Environment\n",
    args: ["--profile", "dev"],
    env: () => ({ AWS_ACCESS_KEY_ID: EXAMPLE_KEY_ID, AWS_SECRET_ACCESS_KEY: EXAMPLE_SECRET }),
    named: (aws) => new RegExp(`add --allow-net=${netFlag(aws.sts)}$`),
    used: (aws) => assertEquals(aws.calls.assumeRole, [EXAMPLE_KEY_ID]),
  },
  {
    name: "a web identity profile",
    config:
      "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/Example\nweb_identity_token_file = $HOME/token.jwt\n",
    files: { "token.jwt": "eyJ.example.jwt" },
    args: ["--profile", "dev"],
    named: (aws, home) =>
      new RegExp(`add --allow-net=${netFlag(aws.sts)} --allow-read=${home}/token\\.jwt$`),
    used: (aws) => assertEquals(aws.calls.assumeRoleWithWebIdentity, ["eyJ.example.jwt"]),
  },
  {
    name: "a profile with a credential_process, run without a shell",
    config: "[profile dev]\ncredential_process = $HOME/bin/creds --account 'main one'\n",
    files: {
      "bin/creds":
        `#!/bin/sh\n[ "$2" = "main one" ] || exit 3\necho '{"Version":1,"AccessKeyId":"${EXAMPLE_KEY_ID}","SecretAccessKey":"${EXAMPLE_SECRET}"}'\n`,
    },
    args: ["--profile", "dev"],
    named: (_aws, home) => new RegExp(`add --allow-run=${home}/bin/creds$`),
    used: () => {},
  },
  {
    name: "container credentials (the default chain)",
    env: (_aws, backend) => ({
      AWS_CONTAINER_CREDENTIALS_FULL_URI: new URL("/credentials", backend.url).href,
    }),
    // The backend serves them: its own host is allowed already, so nothing more is needed.
    named: () => /^$/,
    used: () => {},
  },
  {
    name: "instance metadata credentials (the default chain)",
    named: (aws) => new RegExp(`\\(instance metadata\\): add --allow-net=${netFlag(aws.imds)}$`),
    used: (aws) => assertEquals(aws.calls.instanceCredentials, 1),
  },
];

async function startProxy(
  source: Source,
  backend: Backend,
  aws: FakeAws,
  home: string,
  extra: string[],
) {
  const env = { ...aws.env(), AWS_EC2_METADATA_DISABLED: "false", ...source.env?.(aws, backend) };
  const proxy = spawnRawProxy(
    backend.url,
    home,
    [...BACKEND_SCOPE, ...(source.args ?? [])],
    { AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "", ...env },
    undefined,
    extra,
  );
  await proxy.send(initializeLine(1));
  return { proxy, reply: await proxy.next(15_000) };
}

for (const source of SOURCES) {
  Deno.test(`credentials from ${source.name}, under the flags the proxy names`, async () => {
    const keys = new Map<string, TestKey>([[EXAMPLE_KEY_ID, { secretAccessKey: EXAMPLE_SECRET }]]);
    const backend = startBackend({ keys, credentialLifetimeMs: 3600_000 });
    const aws = startFakeAws(keys);
    const home = await makeAwsHome();
    const fill = (text: string) => text.replaceAll("$HOME", home.home);
    await Deno.writeTextFile(`${home.home}/.aws/config`, fill(source.config ?? ""));
    await Deno.writeTextFile(`${home.home}/.aws/credentials`, fill(source.credentials ?? ""));
    const cache = source.name.includes("expired") ? ssoCache(aws, 60_000) : ssoCache(aws, 3600_000);
    for (const [path, text] of Object.entries({ ...cache, ...source.files })) {
      const folder = path.includes("/") ? path.replace(/\/[^/]*$/, "") : ".";
      await Deno.mkdir(`${home.home}/${folder}`, { recursive: true });
      await Deno.writeTextFile(`${home.home}/${path}`, text, { mode: 0o755 });
    }
    let stderr = "";
    try {
      // First with the README's base flags only: one line naming exactly what to add.
      const first = await startProxy(source, backend, aws, home.home, []);
      const named = source.named(aws, home.home);
      let flags: string[] = [];
      if (named.source === "^$") {
        assertEquals(
          (first.reply.result as { serverInfo?: unknown })?.serverInfo !== undefined,
          true,
        );
      } else {
        const message = (first.reply.error as { message: string }).message;
        assertMatch(
          message,
          /^aws-mcp-proxy cannot start: missing Deno permissions for the AWS credentials/,
        );
        assertMatch(message, named);
        flags = message.replace(/^.*: add /, "").split(" ");
      }
      const done = await first.proxy.finish();
      assertEquals(done.code, flags.length > 0 ? 2 : 0, done.stderr);
      assert(!done.stderr.includes("NotCapable"), done.stderr);

      // Then with exactly those flags: a call goes through, signed with what the source gave.
      const { proxy, reply } = await startProxy(source, backend, aws, home.home, flags);
      assertEquals(reply.error, undefined, JSON.stringify(reply));
      await proxy.send(INITIALIZED_LINE);
      await proxy.send(toolCallLine(2, "echo", { text: "signed" }));
      const call = await proxy.next(15_000);
      assertEquals(call.result, { content: [{ type: "text", text: "signed" }] });
      const out = await proxy.finish();
      stderr = out.stderr;
      assert(!/NotCapable|Requires .* access/.test(stderr), stderr);
      assert(backend.seen.every((r) => r.verified), "every request was signed with valid keys");
      source.used(aws);
    } catch (error) {
      throw withProxyStderr(error, stderr);
    } finally {
      await aws.close();
      await backend.close();
      await home.remove();
    }
  });
}

Deno.test("--print-config prints a client configuration whose permissions are exactly enough", async () => {
  const { backend, aws, home } = await ssoSetup();
  const env = { ...proxyEnv(home.home, aws.env(), false), AWS_PROFILE: "dev" };
  try {
    const printed = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        `--allow-read=${home.home}/.aws`,
        `--allow-env=${ENV_PERMISSION}`,
        `${REPO_ROOT}mod.ts`,
        "--print-config",
        backend.url.href,
        ...BACKEND_SCOPE,
        "--client",
        "vscode",
      ],
      env,
      clearEnv: true,
    }).output();
    assertEquals(printed.code, 0, new TextDecoder().decode(printed.stderr));
    const config = JSON.parse(new TextDecoder().decode(printed.stdout));
    const server = config.servers["aws-mcp"];
    assertEquals(server.type, "stdio");
    assertEquals(server.command, Deno.execPath(), "the absolute path: a GUI client has no PATH");
    assertEquals(server.env, undefined, "nothing of this shell is needed");
    const args = server.args as string[];
    assertEquals(
      args.find((a) => a.startsWith("--allow-net=")),
      `--allow-net=${backend.url.host},${aws.sso.host},${aws.oidc.host}`,
    );
    assertEquals(args.find((a) => a.startsWith("--allow-read=")), `--allow-read=${home.home}/.aws`);
    assertEquals(
      args.slice(-6),
      [...BACKEND_SCOPE, "--profile", "dev"],
      "AWS_PROFILE carried over",
    );

    // Run exactly that, with the local module for the JSR one (which cannot be fetched here).
    const at = args.indexOf("jsr:@mcp-sigv4/aws-mcp-proxy");
    assert(at > 0);
    // As a desktop client starts it: no PATH, no AWS_PROFILE, only the printed env.
    const child = spawnPiped(
      server.command,
      ["run", "--quiet", ...args.slice(1, at), `${REPO_ROOT}mod.ts`, ...args.slice(at + 1)],
      { ...env, ...server.env, AWS_PROFILE: "", PATH: "" },
    );
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(`${initializeLine(1)}\n`));
    await writer.close();
    const output = await child.output();
    const reply = JSON.parse(new TextDecoder().decode(output.stdout).split("\n")[0]!);
    assertEquals(
      reply.result?.serverInfo?.name,
      "sigv4-test-backend",
      new TextDecoder().decode(output.stderr),
    );
    assertEquals(aws.calls.getRoleCredentials, ["sso-access-token-1"]);
  } finally {
    await aws.close();
    await backend.close();
    await home.remove();
  }
});

Deno.test("--print-config refuses a shared file whose path holds a comma, instead of printing a flag that grants more", async () => {
  const home = await makeAwsHome();
  const odd = `${home.home}/team,etc`;
  await Deno.mkdir(odd);
  await Deno.writeTextFile(`${odd}/config`, "[default]\nregion = us-east-1\n");
  try {
    const printed = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        "--allow-read",
        `--allow-env=${ENV_PERMISSION}`,
        `${REPO_ROOT}mod.ts`,
        "--print-config",
        "https://aws-mcp.us-east-1.api.aws/mcp",
      ],
      env: { ...proxyEnv(home.home, {}, false), AWS_CONFIG_FILE: `${odd}/config` },
      clearEnv: true,
    }).output();
    const stderr = new TextDecoder().decode(printed.stderr);
    assertEquals(printed.code, 2, stderr);
    assertEquals(new TextDecoder().decode(printed.stdout), "", "no configuration printed");
    assertMatch(stderr, /splits permission lists on commas/);
  } finally {
    await home.remove();
  }
});

/** Runs `--print-config` for `endpoint` with `args`, in `home`, with `env` added. */
async function printConfigRun(
  home: string,
  endpoint: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const printed = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      `--allow-read=${home}/.aws`,
      `--allow-env=${ENV_PERMISSION}`,
      `${REPO_ROOT}mod.ts`,
      "--print-config",
      endpoint,
      ...args,
    ],
    env: { ...proxyEnv(home, {}, false), ...env },
    clearEnv: true,
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: printed.code, stdout: decode(printed.stdout), stderr: decode(printed.stderr) };
}

Deno.test("--print-config never prints a configuration that cannot start: it names what to add, or writes it out", async () => {
  const home = await makeAwsHome({
    config: "[profile dev]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = x\n",
  });
  try {
    const unknownHost = await printConfigRun(home.home, "https://mcp.example.com/mcp", [
      "--profile",
      "dev",
    ]);
    assertEquals(unknownHost.code, 2, unknownHost.stderr);
    assertMatch(unknownHost.stderr, /--service/);
    assertEquals(unknownHost.stdout, "");

    const noRegion = await printConfigRun(home.home, "https://mcp.example.com/mcp", [
      "--profile",
      "dev",
      "--service",
      "execute-api",
    ]);
    assertEquals(noRegion.code, 2, noRegion.stderr);
    assertMatch(noRegion.stderr, /--region/);

    const envRegion = await printConfigRun(
      home.home,
      "https://mcp.example.com/mcp",
      ["--profile", "dev", "--service", "execute-api"],
      { AWS_REGION: "eu-west-1" },
    );
    assertEquals(envRegion.code, 0, envRegion.stderr);
    const args = JSON.parse(envRegion.stdout).mcpServers["aws-mcp"].args as string[];
    assertEquals(args.slice(-2), ["--region", "eu-west-1"], "this shell's AWS_REGION written out");

    const envKeys = await printConfigRun(home.home, "https://aws-mcp.us-east-1.api.aws/mcp", [], {
      AWS_ACCESS_KEY_ID: EXAMPLE_KEY_ID,
      AWS_SECRET_ACCESS_KEY: EXAMPLE_SECRET,
    });
    assertEquals(envKeys.code, 2, envKeys.stderr);
    assertMatch(envKeys.stderr, /AWS_ACCESS_KEY_ID in this shell.*--profile/);
    assert(!envKeys.stderr.includes(EXAMPLE_SECRET));

    const configFile = `${home.home}/.aws/config`;
    const carried = await printConfigRun(
      home.home,
      "https://aws-mcp.us-east-1.api.aws/mcp",
      ["--profile", "dev"],
      { AWS_CONFIG_FILE: configFile },
    );
    assertEquals(carried.code, 0, carried.stderr);
    assertEquals(JSON.parse(carried.stdout).mcpServers["aws-aws-mcp"].env, {
      AWS_CONFIG_FILE: configFile,
    });
  } finally {
    await home.remove();
  }
});

Deno.test("a credential source that cannot be reached is named, with its host and the cause", async () => {
  const { backend, aws, home } = await ssoSetup();
  // A port nothing listens on, as a portal behind a wrong override or a down network would be.
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (closed.addr as Deno.NetAddr).port;
  closed.close();
  const proxy = spawnRawProxy(
    backend.url,
    home.home,
    [...BACKEND_SCOPE, "--profile", "dev"],
    {
      ...aws.env(),
      AWS_ENDPOINT_URL_SSO: `http://127.0.0.1:${port}`,
      AWS_ACCESS_KEY_ID: "",
      AWS_SECRET_ACCESS_KEY: "",
    },
    `${backend.url.host},127.0.0.1:${port},${aws.oidc.host}`,
  );
  try {
    await proxy.send(initializeLine(1));
    const reply = await proxy.next(15_000);
    const message = (reply.error as { message: string } | undefined)?.message ?? "";
    assertMatch(message, new RegExp(`Cannot reach 127\\.0\\.0\\.1.* \\(connection refused\\)`));
    assert(!/fetch failed$/.test(message), message);
  } finally {
    const out = await proxy.finish();
    await aws.close();
    await backend.close();
    await home.remove();
    assert(!out.stderr.includes("NotCapable"), out.stderr);
  }
});
