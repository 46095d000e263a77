import { assertEquals, assertThrows } from "./assert.ts";
import {
  allowFlag,
  missingForCredentials,
  missingPermissions,
  readGrant,
} from "../src/cli/permissions.ts";
import { renderClientConfig } from "../src/cli/print_config.ts";

const nothingGranted = () => "prompt" as const;

Deno.test("a shared file is granted with its .aws folder, or alone: never a folder such as /etc", () => {
  assertEquals(readGrant("/home/me/.aws/config"), "/home/me/.aws");
  assertEquals(readGrant("$HOME/.aws/credentials"), "$HOME/.aws");
  assertEquals(readGrant("/etc/aws-config"), "/etc/aws-config");
  assertEquals(readGrant("/srv/team/credentials"), "/srv/team/credentials");
});

Deno.test("a path holding a comma is never turned into a permission flag: the advice says why", () => {
  assertEquals(allowFlag("read", ["/a", "/b"]), "--allow-read=/a,/b");
  assertThrows(() => allowFlag("read", ["/tmp/x,/etc"]), RangeError, "splits permission lists");
  const advice = missingForCredentials(
    { source: "web identity", hosts: [], files: ["/tmp/a,/etc/token"], programs: ["/opt/x,/bin"] },
    nothingGranted,
  );
  assertEquals(advice.length, 2);
  for (const line of advice) {
    assertEquals(line.startsWith("--allow"), false, line);
    assertEquals(line.includes("splits permission lists on commas"), true, line);
  }
  const config = missingPermissions(
    { host: "h.example", configFile: "/tmp/a,/config" },
    nothingGranted,
  );
  assertEquals(config.some((line) => line.startsWith("--allow-read")), false, config.join("\n"));
  assertThrows(
    () =>
      renderClientConfig({
        client: "claude",
        specifier: "jsr:@mcp-sigv4/aws-mcp-proxy",
        endpoint: new URL("https://aws-mcp.us-east-1.api.aws/mcp"),
        flags: [],
        hosts: ["aws-mcp.us-east-1.api.aws"],
        reads: ["/home/me/.aws", "/tmp/tok,en"],
        programs: [],
        deno: "/usr/bin/deno",
        env: {},
      }),
    RangeError,
  );
});
