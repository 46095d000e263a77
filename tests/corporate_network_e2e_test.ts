/**
 * End-to-end: a corporate network. The endpoint speaks HTTPS with a
 * certificate from a private CA, and is reached through a forward proxy
 * (`HTTPS_PROXY`, tunnelled with CONNECT). Deno's fetch honours
 * `HTTPS_PROXY` and `NO_PROXY`; `--cert` (or `DENO_CERT`) trusts the CA.
 */
import { assert, assertEquals, assertMatch } from "./assert.ts";
import { startBackend } from "./fixtures/backend.ts";
import {
  BACKEND_SCOPE,
  initializeLine,
  makeAwsHome,
  spawnRawProxy,
  withProxyStderr,
} from "./fixtures/proxy_process.ts";
import { startTunnelProxy } from "./fixtures/tunnel_proxy.ts";

const HAS_OPENSSL = (() => {
  try {
    return new Deno.Command("openssl", { args: ["version"], stdout: "null" }).outputSync().success;
  } catch {
    return false;
  }
})();

/** A private CA and a certificate it signed for 127.0.0.1, in `dir`. */
async function makeCertificates(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  const run = async (...args: string[]) => {
    const out = await new Deno.Command("openssl", { args, cwd: dir, stderr: "piped" }).output();
    if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  };
  await run(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=Example Corp Test CA",
  );
  await run(
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
    "-subj",
    "/CN=127.0.0.1",
  );
  await Deno.writeTextFile(
    `${dir}/ext`,
    "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
  );
  await run(
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.pem",
    "-days",
    "2",
    "-extfile",
    "ext",
  );
  return {
    ca: `${dir}/ca.pem`,
    cert: await Deno.readTextFile(`${dir}/server.pem`),
    key: await Deno.readTextFile(`${dir}/server.key`),
  };
}

async function corporate(
  setup: (ca: string) => { env?: Record<string, string>; flags?: string[] },
  check: (reply: Record<string, unknown>, tunnels: string[], backendHost: string) => void,
) {
  const dir = await Deno.makeTempDir();
  const certificates = await makeCertificates(dir);
  const backend = startBackend({ tls: { cert: certificates.cert, key: certificates.key } });
  const tunnel = startTunnelProxy();
  const home = await makeAwsHome();
  const { env = {}, flags = [] } = setup(certificates.ca);
  const proxy = spawnRawProxy(
    backend.url,
    home.home,
    BACKEND_SCOPE,
    { HTTPS_PROXY: tunnel.url, ...env },
    undefined,
    flags,
  );
  let failure: unknown;
  try {
    await proxy.send(initializeLine(1));
    check(await proxy.next(15_000), tunnel.tunnels, backend.url.host);
  } catch (error) {
    failure = error;
  }
  const out = await proxy.finish();
  await tunnel.close();
  await backend.close();
  await home.remove();
  await Deno.remove(dir, { recursive: true });
  if (failure) throw withProxyStderr(failure, out.stderr);
}

Deno.test({
  name:
    "through HTTPS_PROXY to an endpoint with a private CA: --cert trusts it, and the tunnel carries it",
  ignore: !HAS_OPENSSL,
  fn: () =>
    corporate((ca) => ({ flags: [`--cert=${ca}`] }), (reply, tunnels, host) => {
      assertEquals(
        (reply.result as { serverInfo: { name: string } }).serverInfo.name,
        "sigv4-test-backend",
      );
      assert(tunnels.includes(host), `tunnelled: ${tunnels}`);
    }),
});

Deno.test({
  name: "DENO_CERT trusts the CA too, and NO_PROXY bypasses the forward proxy",
  ignore: !HAS_OPENSSL,
  fn: () =>
    corporate((ca) => ({ env: { DENO_CERT: ca, NO_PROXY: "127.0.0.1" } }), (reply, tunnels) => {
      assert(reply.result !== undefined, JSON.stringify(reply));
      assertEquals(tunnels, [], "nothing went through the proxy");
    }),
});

Deno.test({
  name: "an endpoint whose CA is not trusted gets an error that says how to trust it",
  ignore: !HAS_OPENSSL,
  fn: () =>
    corporate(() => ({}), (reply) => {
      assertMatch(
        (reply.error as { message: string }).message,
        /TLS certificate .* is not trusted.*--cert=CA\.pem.*DENO_CERT/,
      );
    }),
});
