/**
 * The per-request cost on the hot path: signing one request (signing key
 * cached) and the credential lookup (the chain's cache).
 *
 * ```sh
 * deno bench --allow-env bench/signing_bench.ts
 * ```
 *
 * @module
 */
import { createRequestSigner } from "../src/aws/signer.ts";
import { createCredentialSource } from "../src/aws/credentials.ts";
import { createLogger } from "../src/log.ts";

const credentials = () =>
  Promise.resolve({
    accessKeyId: "AKIDEXAMPLE",
    secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  });
const sign = createRequestSigner({
  service: "bedrock-agentcore",
  region: "us-east-1",
  credentials,
});
const url = new URL(
  "https://bedrock-agentcore.us-east-1.amazonaws.com/runtimes/arn%3Aaws%3Abedrock-agentcore%3Aus-east-1%3A123456789012%3Aruntime%2Fa/invocations",
);
const headers = new Headers({
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
  "mcp-session-id": "0f0e6a9c-1a7e-4c1c-9f5e-2b0b1d7d9a11",
  "mcp-protocol-version": "2025-06-18",
});
const body = JSON.stringify({
  jsonrpc: "2.0",
  id: 7,
  method: "tools/call",
  params: { name: "echo", arguments: { text: "x".repeat(200) } },
});

Deno.bench("sign one tools/call request (signing key cached)", async () => {
  await sign("POST", url, headers, body);
});

Deno.env.set("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
Deno.env.set("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
const source = createCredentialSource({ logger: createLogger({ level: "error" }) });
await source();

Deno.bench("credential lookup on the hot path (cached by the chain)", async () => {
  await source();
});
