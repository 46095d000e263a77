import { networkFailure } from "../src/aws/credentials.ts";
import { assertEquals } from "./assert.ts";
import {
  commandWords,
  credentialNeeds,
  type NeedsEnv,
  SDK_SHELL,
  type SharedFiles,
} from "../src/aws/credential_needs.ts";

function files(configFile: SharedFiles["configFile"], credentialsFile = {}): SharedFiles {
  return { configFile, credentialsFile };
}

const SSO = files({
  dev: { sso_session: "corp", region: "us-east-1" },
  "sso-session.corp": { sso_region: "eu-west-1", sso_start_url: "https://x" },
  legacy: { sso_start_url: "https://x", sso_region: "cn-north-1" },
});

Deno.test("environment keys need nothing more", () => {
  assertEquals(credentialNeeds(undefined, files({}), { AWS_ACCESS_KEY_ID: "AKID" }), {
    source: "environment keys",
    hosts: [],
    files: [],
    programs: [],
  });
});

Deno.test("SSO needs the portal and OIDC hosts of the sso_region, or the endpoint overrides", () => {
  assertEquals(credentialNeeds("dev", SSO, {}).hosts, [
    "portal.sso.eu-west-1.amazonaws.com",
    "oidc.eu-west-1.amazonaws.com",
  ]);
  assertEquals(credentialNeeds("legacy", SSO, {}).hosts, [
    "portal.sso.cn-north-1.amazonaws.com",
    "oidc.cn-north-1.amazonaws.com.cn",
  ]);
  const env: NeedsEnv = {
    AWS_ENDPOINT_URL_SSO: "http://127.0.0.1:8001",
    AWS_ENDPOINT_URL_SSO_OIDC: "https://oidc.internal",
  };
  assertEquals(credentialNeeds("dev", SSO, env).hosts, ["127.0.0.1:8001", "oidc.internal"]);
});

Deno.test("assume-role needs STS of the profile's region, then what its source needs", () => {
  const config = files({
    dev: { role_arn: "arn:r", source_profile: "sso", region: "ap-south-1" },
    sso: { sso_session: "corp" },
    "sso-session.corp": { sso_region: "eu-west-1" },
    ec2: { role_arn: "arn:r", credential_source: "Ec2InstanceMetadata" },
    own: { role_arn: "arn:r", source_profile: "own", aws_access_key_id: "AKID" },
  });
  const dev = credentialNeeds("dev", config, {});
  assertEquals(dev.hosts, [
    "sts.ap-south-1.amazonaws.com",
    "portal.sso.eu-west-1.amazonaws.com",
    "oidc.eu-west-1.amazonaws.com",
  ]);
  assertEquals(dev.source, "assume-role arn:r from SSO (profile sso)");
  assertEquals(credentialNeeds("ec2", config, { AWS_REGION: "eu-north-1" }).hosts, [
    "sts.eu-north-1.amazonaws.com",
    "169.254.169.254",
  ]);
  assertEquals(credentialNeeds("own", config, {}).hosts, ["sts.us-east-1.amazonaws.com"]);
  assertEquals(
    credentialNeeds("dev", config, { AWS_ENDPOINT_URL: "http://localhost:4566" }).hosts,
    ["localhost:4566"],
    "AWS_ENDPOINT_URL serves every service",
  );
});

Deno.test("a services section's endpoint_url is honoured unless endpoint URLs are ignored", () => {
  const config = files({
    dev: { role_arn: "arn:r", credential_source: "Environment", services: "local" },
    "services.local": { "sts.endpoint_url": "http://127.0.0.1:9000" },
  });
  assertEquals(credentialNeeds("dev", config, {}).hosts, ["127.0.0.1:9000"]);
  assertEquals(
    credentialNeeds("dev", config, { AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true" }).hosts,
    ["sts.us-east-1.amazonaws.com"],
  );
});

Deno.test("web identity needs STS and its token file", () => {
  const config = files({ dev: { role_arn: "arn:r", web_identity_token_file: "/var/run/token" } });
  const needs = credentialNeeds("dev", config, {});
  assertEquals([needs.hosts, needs.files], [["sts.us-east-1.amazonaws.com"], ["/var/run/token"]]);
  const env = credentialNeeds(undefined, files({}), {
    AWS_WEB_IDENTITY_TOKEN_FILE: "/t",
    AWS_ROLE_ARN: "arn:r",
  });
  assertEquals([env.hosts, env.files], [["sts.us-east-1.amazonaws.com"], ["/t"]]);
});

Deno.test("a credential_process of the profile in use needs its program; one further down, the shell", () => {
  const config = files({
    dev: { credential_process: "'/opt/my tool/creds' --x" },
    role: { role_arn: "arn:r", source_profile: "dev" },
  });
  const own = credentialNeeds("dev", config, {});
  assertEquals([own.programs, own.process], [["/opt/my tool/creds"], "'/opt/my tool/creds' --x"]);
  assertEquals(credentialNeeds("role", config, {}).programs, [SDK_SHELL]);
});

Deno.test("the default chain with no profile goes to the container service, else instance metadata", () => {
  const none = files({});
  assertEquals(credentialNeeds(undefined, none, {}).hosts, ["169.254.169.254"]);
  assertEquals(
    credentialNeeds(undefined, none, { AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: "IPv6" }).hosts,
    ["[fd00:ec2::254]"],
  );
  assertEquals(credentialNeeds(undefined, none, { AWS_EC2_METADATA_DISABLED: "true" }).hosts, []);
  const container = credentialNeeds(undefined, none, {
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/v2/creds",
    AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: "/token",
  });
  assertEquals([container.hosts, container.files], [["169.254.170.2"], ["/token"]]);
  const keys = files({ default: { aws_access_key_id: "AKID" } });
  assertEquals(credentialNeeds(undefined, keys, {}).hosts, [], "a default profile with keys");
});

Deno.test("command lines split as the AWS CLI splits them", () => {
  assertEquals(commandWords(`a "b c" 'd e' f\\ g "h\\"i"`), ["a", "b c", "d e", "f g", 'h"i']);
  assertEquals(commandWords("  "), []);
  assertEquals(commandWords('""'), [""]);
});

Deno.test("a network failure is told apart by kind, with the host its text names", () => {
  const cases: [string, string, string | undefined][] = [
    ["connect ECONNREFUSED 127.0.0.1:9", "connection refused", "127.0.0.1"],
    [
      "getaddrinfo ENOTFOUND portal.sso.eu-west-1.amazonaws.com",
      "DNS",
      "portal.sso.eu-west-1.amazonaws.com",
    ],
    [
      "error sending request for url (https://sts.us-east-1.amazonaws.com/): client error (Connect): invalid peer certificate: UnknownIssuer",
      "TLS",
      "sts.us-east-1.amazonaws.com",
    ],
    ["TimeoutError: Signal timed out.", "timeout", undefined],
    ["TypeError: fetch failed", "network", undefined],
  ];
  for (const [text, kind, host] of cases) {
    const failure = networkFailure([text]);
    assertEquals([failure?.kind, failure?.host], [kind, host], text);
  }
  assertEquals(networkFailure(["Could not load credentials from any providers"]), undefined);
});
