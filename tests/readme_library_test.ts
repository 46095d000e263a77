/**
 * The README's library snippet, run as written (only the endpoint is swapped
 * for the local backend) with the permissions the README gives for it: it
 * lists the tools and exits.
 */
import { assert, assertEquals } from "./assert.ts";
import { EXAMPLE_KEY_ID, EXAMPLE_SECRET, startBackend } from "./fixtures/backend.ts";
import { makeAwsHome, proxyEnv, REPO_ROOT } from "./fixtures/proxy_process.ts";
import { ENV_PERMISSION } from "../src/cli/permissions.ts";

const README = await Deno.readTextFile(`${REPO_ROOT}README.md`);
const SECTION = README.slice(README.indexOf("## Use it as a library"));

Deno.test("the README's library snippet lists the tools and exits, under the permissions it names", async () => {
  const snippet = /```ts\n([\s\S]*?)```/.exec(SECTION)?.[1];
  assert(snippet?.includes("await client.close()"), "the snippet closes its client");
  const command = /```sh\n([\s\S]*?)```/.exec(SECTION)?.[1] ?? "";
  assert(command.includes(`--allow-env=${ENV_PERMISSION}`), command);
  assert(command.includes("--allow-read=$HOME/.aws"), command);

  const backend = startBackend({ service: "aws-mcp" });
  const home = await makeAwsHome({
    config: "[profile dev]\nregion = us-east-1\n",
    credentials:
      `[dev]\naws_access_key_id = ${EXAMPLE_KEY_ID}\naws_secret_access_key = ${EXAMPLE_SECRET}\n`,
  });
  const file = `${home.home}/list_tools.ts`;
  await Deno.writeTextFile(
    file,
    snippet!
      .replace("jsr:@mcp-sigv4/aws-mcp-proxy/client", `${REPO_ROOT}src/client.ts`)
      .replace(
        '"https://aws-mcp.us-east-1.api.aws/mcp",',
        `"${backend.url.href}", service: "aws-mcp", region: "us-east-1",`,
      ),
  );
  try {
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        `--config=${REPO_ROOT}deno.json`,
        `--allow-net=${backend.url.host}`,
        `--allow-read=${home.home}/.aws`,
        `--allow-env=${ENV_PERMISSION}`,
        file,
      ],
      env: proxyEnv(home.home, {}, false),
      clearEnv: true,
      stdin: "null",
      signal: AbortSignal.timeout(20_000),
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    assertEquals(output.code, 0, stderr);
    assert(new TextDecoder().decode(output.stdout).includes('"echo"'), stderr);
  } finally {
    await home.remove();
    await backend.close();
  }
});
