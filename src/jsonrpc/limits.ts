/**
 * The size limit for one JSON-RPC message, on either side of the proxy.
 *
 * @module
 */

/**
 * The longest message accepted, in bytes: a line on stdin, or a line of the
 * backend's event stream. The SDK's own stdio transport has the same limit.
 */
export const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
