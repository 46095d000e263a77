import { assertEquals, assertRejects, assertThrows } from "./assert.ts";
import { parseProcessOutput, processCredentialSource } from "../src/aws/process_credentials.ts";

Deno.test("a credential_process answer is read as format version 1", () => {
  assertEquals(
    parseProcessOutput(
      '{"Version":1,"AccessKeyId":"A","SecretAccessKey":"S","SessionToken":"T","Expiration":"2030-01-01T00:00:00Z"}',
    ),
    {
      accessKeyId: "A",
      secretAccessKey: "S",
      sessionToken: "T",
      expiration: new Date("2030-01-01T00:00:00Z"),
    },
  );
  assertThrows(() => parseProcessOutput("nope"), TypeError, "not JSON");
  assertThrows(() => parseProcessOutput('{"AccessKeyId":"A"}'), TypeError, "Version");
  assertThrows(() => parseProcessOutput('{"Version":1,"AccessKeyId":"A"}'), TypeError, "lacks");
});

Deno.test("the process is run without a shell, cached until near expiry, and its failures named", async () => {
  const dir = await Deno.makeTempDir();
  const script = `${dir}/creds`;
  await Deno.writeTextFile(
    script,
    `#!/bin/sh\necho x >> "${dir}/runs"\n[ "$1" = "a b" ] || { echo "bad args: $*" >&2; exit 4; }\necho '{"Version":1,"AccessKeyId":"A","SecretAccessKey":"S","Expiration":"2030-01-01T00:00:00Z"}'\n`,
    { mode: 0o755 },
  );
  try {
    const source = processCredentialSource(`${script} 'a b'`, "dev");
    assertEquals((await source()).accessKeyId, "A");
    await source();
    await source({ forceRefresh: true });
    assertEquals((await Deno.readTextFile(`${dir}/runs`)).length, 4, "run twice: once cached");
    await assertRejects(
      () => processCredentialSource(`${script} "$HOME"`, "dev")(),
      Error,
      `The credential_process of profile "dev" (${script}) exited with code 4: bad args: $HOME`,
    );
    await assertRejects(
      () => processCredentialSource(`${dir}/missing`, "dev")(),
      Error,
      "cannot run",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
