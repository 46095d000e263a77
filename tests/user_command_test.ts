/**
 * The command a user copies carries the permissions and the proxy's own flags,
 * nothing else: no V8 flag (Deno refuses to start on one its V8 does not
 * know, so a rename would break every written configuration) and no malloc
 * setting. Memory is the code's job.
 */
import { assert } from "./assert.ts";
import { helpText } from "../src/cli/help.ts";
import denoJson from "../deno.json" with { type: "json" };

const TUNING = /--v8-flags|MALLOC_/;

Deno.test("no command a user copies carries runtime tuning: README, module doc, --help, tasks", async () => {
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  const moduleDoc = (await Deno.readTextFile(new URL("../mod.ts", import.meta.url))).split(
    "@module",
  )[0]!;
  const places: [string, string][] = [
    ["README.md", readme],
    ["mod.ts", moduleDoc],
    ["--help", helpText("aws-mcp-proxy", "0.0.0")],
    ["deno task start", denoJson.tasks.start],
    ["deno task compile", denoJson.tasks.compile],
  ];
  for (const [where, text] of places) assert(!TUNING.test(text), `${where} carries runtime tuning`);
});
