/**
 * The V8 flags the bench measures (`V8_FLAGS`) are the ones users are told
 * to run with: every command and client configuration in the README, the
 * `start` and `compile` tasks, and the help text name them exactly.
 */
import { assert, assertEquals } from "./assert.ts";
import { REPO_ROOT } from "./fixtures/proxy_process.ts";
import { V8_FLAGS } from "../src/cli/permissions.ts";
import { helpText } from "../src/cli/help.ts";

const README = await Deno.readTextFile(`${REPO_ROOT}README.md`);
const TASKS: Record<string, string> = JSON.parse(
  await Deno.readTextFile(`${REPO_ROOT}deno.json`),
).tasks;

/** Every `--v8-flags=…` inside the README's fenced code blocks. */
function flagsInCodeBlocks(markdown: string): string[] {
  const found: string[] = [];
  let inBlock = false;
  for (const line of markdown.split("\n")) {
    if (line.trimStart().startsWith("```")) inBlock = !inBlock;
    else if (inBlock) found.push(...[...line.matchAll(/--v8-flags=[^\s"\\]+/g)].map((m) => m[0]));
  }
  return found;
}

Deno.test("every command and configuration in the README runs with the benchmarked V8 flags", () => {
  const found = flagsInCodeBlocks(README);
  assert(found.length >= 4, `the README's commands and configurations name the flags: ${found}`);
  for (const flags of found) assertEquals(flags, V8_FLAGS);
});

Deno.test("the start and compile tasks and the help text use the benchmarked V8 flags", () => {
  assert(TASKS.start!.includes(`${V8_FLAGS} `), TASKS.start);
  assert(TASKS.compile!.includes(`${V8_FLAGS} `), TASKS.compile);
  assert(
    helpText("aws-mcp-proxy", "0.0.0").includes(`deno run ${V8_FLAGS} \\`),
    "the help's example command",
  );
});
