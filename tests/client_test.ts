import { assert, assertEquals, assertRejects } from "./assert.ts";
import { connectSigV4Client, createSigningFetch } from "../src/client.ts";
import { EXAMPLE_KEY_ID, EXAMPLE_SECRET, startBackend } from "./fixtures/backend.ts";
import { StreamableHTTPClientTransport } from "../src/mcp_sdk.ts";
import { Client } from "./fixtures/sdk.ts";

const credentials = { accessKeyId: EXAMPLE_KEY_ID, secretAccessKey: EXAMPLE_SECRET };

Deno.test("connectSigV4Client reaches the SigV4 backend with metadata and headers", async () => {
  const backend = startBackend();
  const client = await connectSigV4Client({
    endpoint: backend.url,
    service: "execute-api",
    region: "us-east-1",
    credentials,
    headers: { "x-tenant": "acme" },
    metadata: { TEAM: "blue" },
  });
  try {
    assertEquals((await client.listTools()).tools.length, 14, "the library applies no tool policy");
    const result = await client.callTool({ name: "show_meta", arguments: {} });
    const meta = JSON.parse((result.content as { text: string }[])[0]!.text);
    assertEquals(meta.TEAM, "blue");
    assert(backend.seen.every((r) => r.verified && r.headers["x-tenant"] === "acme"));
  } finally {
    await client.close();
    await backend.close();
  }
});

Deno.test("connectSigV4Client fails clearly with the wrong key", async () => {
  const backend = startBackend();
  await assertRejects(
    () =>
      connectSigV4Client({
        endpoint: backend.url,
        service: "execute-api",
        region: "us-east-1",
        credentials: () => Promise.resolve({ ...credentials, secretAccessKey: "wrong" }),
      }),
    /signature we calculated does not match/,
  );
  await backend.close();
});

Deno.test("createSigningFetch plugs into the SDK's own transport", async () => {
  const backend = startBackend({ service: "lambda", region: "eu-west-1" });
  const client = new Client({ name: "t", version: "1" });
  await client.connect(
    new StreamableHTTPClientTransport(backend.url, {
      fetch: createSigningFetch(fetch, {
        service: "lambda",
        region: "eu-west-1",
        credentials: () => Promise.resolve(credentials),
      }),
    }),
  );
  assertEquals((await client.callTool({ name: "add", arguments: { a: 1, b: 2 } })).content, [{
    type: "text",
    text: "3",
  }]);
  await client.close();
  await backend.close();
});

Deno.test("connectSigV4Client asks a credential provider for fresh credentials when AWS rejects the token", async () => {
  const keys = new Map([[EXAMPLE_KEY_ID, { secretAccessKey: EXAMPLE_SECRET, sessionToken: "T1" }]]);
  const backend = startBackend({ keys });
  // A provider that caches its token and renews it only when forced, as the AWS chain does.
  let cached = "T1";
  let refreshes = 0;
  const client = await connectSigV4Client({
    endpoint: backend.url,
    service: "execute-api",
    region: "us-east-1",
    credentials: (options?: { forceRefresh?: boolean }) => {
      if (options?.forceRefresh) {
        refreshes++;
        cached = "T2";
      }
      return Promise.resolve({ ...credentials, sessionToken: cached });
    },
  });
  try {
    keys.set(EXAMPLE_KEY_ID, { secretAccessKey: EXAMPLE_SECRET, sessionToken: "T2" });
    const result = await client.callTool({ name: "add", arguments: { a: 2, b: 2 } });
    assertEquals(result.content, [{ type: "text", text: "4" }]);
    assertEquals(refreshes, 1);
  } finally {
    await client.close();
    await backend.close();
  }
});

Deno.test("the library run without permissions says which flags to add, before it touches anything", async () => {
  const dir = await Deno.makeTempDir();
  const script = `${dir}/connect.ts`;
  await Deno.writeTextFile(
    script,
    `import { connectSigV4Client } from "${new URL("../src/client.ts", import.meta.url).href}";\n` +
      `await connectSigV4Client({ endpoint: "https://aws-mcp.us-east-1.api.aws/mcp" });\n`,
  );
  try {
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        `--config=${new URL("../deno.json", import.meta.url).pathname}`,
        script,
      ],
      env: { NO_COLOR: "1" },
      stdin: "null",
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    assertEquals(output.code, 1);
    assert(
      stderr.includes(
        "connectSigV4Client needs more Deno permissions: add --allow-net=aws-mcp.us-east-1.api.aws",
      ),
      stderr,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
