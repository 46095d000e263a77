import { assertEquals } from "./assert.ts";
import { closest } from "../src/cli/closest.ts";

Deno.test("the nearest name is suggested only when it is near", () => {
  const flags = ["allow-write", "allow-tool", "include-tool", "region", "profile"];
  assertEquals(closest("alow-write", flags), "allow-write");
  assertEquals(closest("allow-tools", flags), "allow-tool");
  assertEquals(closest("regoin", flags), "region");
  assertEquals(closest("PROFILE", flags), "profile");
  assertEquals(closest("x", flags), undefined);
  assertEquals(closest("timeout", flags), undefined);
  assertEquals(closest("dev", []), undefined);
});
