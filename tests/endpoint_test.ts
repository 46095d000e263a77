import { assertEquals, assertRejects, assertThrows } from "./assert.ts";
import {
  inferScope,
  isLoopbackHost,
  parseEndpoint,
  resolveScope,
  type ScopeSources,
} from "../src/aws/endpoint.ts";

const TABLE: [string, { service?: string; region?: string }][] = [
  ["aws-mcp.us-east-1.api.aws", { service: "aws-mcp", region: "us-east-1" }],
  ["eks-mcp.eu-central-1.api.aws", { service: "eks-mcp", region: "eu-central-1" }],
  ["abc123.execute-api.ap-southeast-2.api.aws", {
    service: "execute-api",
    region: "ap-southeast-2",
  }],
  ["bedrock-agentcore.us-west-2.amazonaws.com", {
    service: "bedrock-agentcore",
    region: "us-west-2",
  }],
  ["bedrock-agentcore-fips.us-east-1.amazonaws.com", {
    service: "bedrock-agentcore",
    region: "us-east-1",
  }],
  ["my-gw-abc.gateway.bedrock-agentcore.eu-west-1.amazonaws.com", {
    service: "bedrock-agentcore",
    region: "eu-west-1",
  }],
  ["a1b2c3.execute-api.us-east-2.amazonaws.com", { service: "execute-api", region: "us-east-2" }],
  ["a1b2c3.execute-api.cn-north-1.amazonaws.com.cn", {
    service: "execute-api",
    region: "cn-north-1",
  }],
  ["bedrock-agentcore.cn-northwest-1.amazonaws.com.cn", {
    service: "bedrock-agentcore",
    region: "cn-northwest-1",
  }],
  ["a1b2c3.execute-api.us-gov-west-1.amazonaws.com", {
    service: "execute-api",
    region: "us-gov-west-1",
  }],
  ["bedrock-agentcore.us-gov-east-1.amazonaws.com", {
    service: "bedrock-agentcore",
    region: "us-gov-east-1",
  }],
  ["xyz.lambda-url.us-east-1.on.aws", { service: "lambda", region: "us-east-1" }],
  ["XYZ.Lambda-Url.EU-WEST-3.ON.AWS.", { service: "lambda", region: "eu-west-3" }],
  // A region is found, but the service is not guessed from an arbitrary label.
  ["sts.us-east-1.amazonaws.com", { region: "us-east-1" }],
  ["something.else.us-east-1.amazonaws.com", { region: "us-east-1" }],
  ["xyz.cloudfront.net", {}],
  ["mcp.example.com", {}],
  ["localhost", {}],
  ["api.aws", {}],
  ["foo.notaregion.api.aws", {}],
  ["xyz.not-lambda.us-east-1.on.aws", {}],
];

for (const [host, expected] of TABLE) {
  Deno.test(`inferScope: ${host}`, () => {
    assertEquals(inferScope(host), expected);
  });
}

Deno.test("parseEndpoint accepts https and loopback http", () => {
  assertEquals(parseEndpoint("https://aws-mcp.us-east-1.api.aws/mcp").pathname, "/mcp");
  assertEquals(parseEndpoint("http://127.0.0.1:8080/mcp").port, "8080");
  assertEquals(parseEndpoint("http://localhost/mcp").hostname, "localhost");
  assertEquals(parseEndpoint("http://[::1]:3000/mcp").hostname, "[::1]");
});

Deno.test("parseEndpoint refuses what it cannot use, saying why", () => {
  assertThrows(() => parseEndpoint("not a url"), /Cannot parse the endpoint "not a url"/);
  assertThrows(
    () => parseEndpoint("http://example.com/mcp"),
    /plain http is allowed only for localhost/,
  );
  assertThrows(() => parseEndpoint("ftp://example.com/mcp"), /scheme must be https/);
  assertThrows(
    () => parseEndpoint("https://user:pw@example.com/mcp"),
    /remove the user name and password/,
  );
  assertThrows(() => parseEndpoint("https://example.com/mcp#x"), /remove the #fragment/);
});

Deno.test("isLoopbackHost knows 127.0.0.0/8, localhost and ::1 only", () => {
  for (const host of ["127.0.0.1", "127.1.2.3", "localhost", "[::1]"]) {
    assertEquals(isLoopbackHost(host), true);
  }
  for (const host of ["128.0.0.1", "10.0.0.1", "example.com", "localhost.example.com"]) {
    assertEquals(isLoopbackHost(host), false);
  }
});

Deno.test("resolveScope prefers --region, then the URL, then the profile, then the environment", async () => {
  const agentcore = new URL("https://bedrock-agentcore.us-west-2.amazonaws.com/mcp");
  const other = new URL("https://mcp.example.com/mcp");
  let reads = 0;
  const profile = (region: string | undefined) => () => {
    reads++;
    return Promise.resolve(region);
  };
  const region = async (url: URL, sources: ScopeSources) =>
    (await resolveScope(url, sources)).region;
  assertEquals(
    await region(agentcore, { region: "eu-west-1", profileRegion: profile("x"), envRegion: "y" }),
    "eu-west-1",
  );
  assertEquals(
    await region(agentcore, { profileRegion: profile("x"), envRegion: "y" }),
    "us-west-2",
  );
  assertEquals(reads, 0, "the profile is read only when the flag and the host give no region");
  assertEquals(
    await region(other, { service: "s", profileRegion: profile("eu-north-1"), envRegion: "y" }),
    "eu-north-1",
  );
  assertEquals(
    await region(other, {
      service: "s",
      profileRegion: profile(undefined),
      envRegion: "ap-south-1",
    }),
    "ap-south-1",
  );
  assertEquals((await resolveScope(agentcore, { service: "execute-api" })).service, "execute-api");
});

Deno.test("resolveScope names the flag to pass when it cannot infer", async () => {
  const other = new URL("https://mcp.example.com/mcp");
  await assertRejects(() => resolveScope(other, { region: "us-east-1" }), /pass --service/);
  await assertRejects(() => resolveScope(other, { service: "execute-api" }), /pass --region/);
});
