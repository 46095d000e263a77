// Preloaded into the conformance suite (node --require): its scenario servers listen on every
// interface; this binds each to 127.0.0.1, as every server the project's tests start is.
const net = require("node:net");
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === "number" && typeof args[1] !== "string") args.splice(1, 0, "127.0.0.1");
  if (typeof args[0] === "object" && args[0] !== null && args[0].host === undefined) {
    args[0] = { ...args[0], host: "127.0.0.1" };
  }
  return listen.apply(this, args);
};
