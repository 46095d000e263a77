// Preloaded into the conformance suite (node --require): its scenario servers listen on every
// interface; this binds each to 127.0.0.1, as every server the project's tests start is. Node
// resolves a listen's host with dns.lookup, asynchronously even for an IP literal, and some
// scenario servers read their port right after listen(): so 127.0.0.1 is resolved at once.
const net = require("node:net");
const dns = require("node:dns");
const LOOPBACK = "127.0.0.1";
const lookup = dns.lookup;
dns.lookup = function (host, ...rest) {
  const callback = rest.at(-1);
  if (host !== LOOPBACK || typeof callback !== "function") return lookup.call(this, host, ...rest);
  const options = rest.length > 1 && typeof rest[0] === "object" ? rest[0] : {};
  if (options.all) callback(null, [{ address: LOOPBACK, family: 4 }]);
  else callback(null, LOOPBACK, 4);
  return {};
};
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === "number" && typeof args[1] !== "string") args.splice(1, 0, LOOPBACK);
  if (typeof args[0] === "object" && args[0] !== null && args[0].host === undefined) {
    args[0] = { ...args[0], host: LOOPBACK };
  }
  return listen.apply(this, args);
};
