import { assertEquals } from "./assert.ts";
import { createLogger, escapeControls } from "../src/log.ts";
import { imitatedMethod } from "../src/jsonrpc/look_alikes.ts";

Deno.test("text from outside cannot split a log line or fake one of the proxy's own", () => {
  const lines: string[] = [];
  const logger = createLogger({ write: (line) => lines.push(line) });
  logger.info("tool evil\naws-mcp-proxy ERROR fake\r\u2028\u0085\u001b[31m");
  assertEquals(lines.length, 1);
  assertEquals(lines[0]!.split("\n").length, 2, "one line, one newline at its end");
  assertEquals(
    lines[0],
    "aws-mcp-proxy INFO tool evil\\u000aaws-mcp-proxy ERROR fake\\u000d\\u2028\\u0085\\u001b[31m\n",
  );
  assertEquals(escapeControls("plain text, ünïcode 🙂"), "plain text, ünïcode 🙂");
});

Deno.test("a method that differs from a guarded one only in case or spaces is named as a look-alike", () => {
  for (const method of ["Tools/Call", "TOOLS/CALL", "tools/call ", " tools/list", "Initialize"]) {
    assertEquals(imitatedMethod(method) !== undefined, true, method);
  }
  for (const method of ["tools/call", "tools/calls", "resources/read", "Resources/Read"]) {
    assertEquals(imitatedMethod(method), undefined, method);
  }
});
