/**
 * The floor for a Deno + MCP SDK 2.x stdio program (`@modelcontextprotocol/server`,
 * the line whose client package the proxy runs on): a server that answers
 * `initialize` (and `ping`) itself.
 *
 * @module
 */
import { Server } from "@modelcontextprotocol/server";
import { StdioServerTransport } from "@modelcontextprotocol/server/stdio";

const server = new Server({ name: "bare", version: "1.0.0" }, { capabilities: {} });
await server.connect(new StdioServerTransport());
