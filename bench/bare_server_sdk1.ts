/**
 * The floor for any Deno + MCP SDK 1.x stdio program: a server that answers
 * `initialize` (and `ping`) itself. Cold start and memory are compared to it,
 * and to `bare_server_sdk2.ts`, the same server on the SDK line the proxy runs.
 *
 * @module
 */
// @ts-types="@modelcontextprotocol/sdk/server/stdio"
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
// @ts-types="@modelcontextprotocol/sdk/server/index"
import { Server } from "@modelcontextprotocol/sdk/server/index.js";

const server = new Server({ name: "bare", version: "1.0.0" }, { capabilities: {} });
await server.connect(new StdioServerTransport());
