import { assertEquals } from "./assert.ts";
import { CookieJar } from "../src/transport/http/cookie_jar.ts";

const endpoint = new URL("https://mcp.example.com/team/mcp");

Deno.test("cookies go back only to the endpoint's origin, under their path, until they expire", () => {
  let now = 1_000_000;
  const remembered: string[] = [];
  const jar = new CookieJar(endpoint, {
    now: () => now,
    onValue: (_name, value) => remembered.push(value),
  });
  jar.store(endpoint, [
    "AWSALB=sticky; Path=/; Max-Age=60",
    "DEFAULTPATH=d",
    "NARROW=n; Path=/other",
    "FOREIGN=f; Domain=evil.example.org",
    "PARENT=p; Domain=example.com",
    "SECURE=s; Secure",
  ]);
  assertEquals(jar.header(endpoint), "AWSALB=sticky; DEFAULTPATH=d; PARENT=p; SECURE=s");
  assertEquals(jar.header(new URL("https://elsewhere.example.com/team/mcp")), undefined);
  assertEquals(jar.header(new URL("http://mcp.example.com/team/mcp")), undefined, "another origin");
  assertEquals(
    jar.header(new URL("https://mcp.example.com/teams")),
    "AWSALB=sticky",
    "the others' default path is /team, and /teams is not under it",
  );
  now += 61_000;
  assertEquals(jar.header(endpoint), "DEFAULTPATH=d; PARENT=p; SECURE=s", "expired after Max-Age");
  jar.store(endpoint, ["DEFAULTPATH=gone; Max-Age=0"]);
  assertEquals(jar.header(endpoint), "PARENT=p; SECURE=s", "a cookie set to expire is removed");
  assertEquals(remembered.includes("sticky"), true, "each value is given to the redactor");
  jar.clear();
  assertEquals([jar.size, jar.header(endpoint)], [0, undefined]);
});

Deno.test("a Secure cookie is not sent over plain http", () => {
  const local = new URL("http://localhost:8000/mcp");
  const jar = new CookieJar(local);
  jar.store(local, ["A=1; Secure", "B=2"]);
  assertEquals(jar.header(local), "B=2");
});
