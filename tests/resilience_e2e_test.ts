/**
 * End-to-end: the faults of real AWS endpoints and networks, injected by the
 * local backend, against the real proxy subprocess. Each test says what the
 * client must (not) notice.
 */
import { assert, assertEquals, assertMatch } from "./assert.ts";
import { type Backend, EXAMPLE_KEY_ID, EXAMPLE_SECRET, startBackend } from "./fixtures/backend.ts";
import {
  BACKEND_SCOPE,
  type ConnectOptions,
  connectThroughProxy,
  INITIALIZED_LINE,
  makeAwsHome,
  type ProxyClient,
  spawnRawProxy,
  withProxyStderr,
} from "./fixtures/proxy_process.ts";
import { failure, waitFor, withProxy } from "./fixtures/proxy_run.ts";
import { startBackendProgram } from "./fixtures/server_process.ts";
import type { TestKey } from "./fixtures/sigv4_verify.ts";

async function echo(run: ProxyClient, text: string): Promise<string> {
  const result = await run.client.callTool({ name: "echo", arguments: { text } });
  return (result.content as { text: string }[])[0]!.text;
}

/**
 * Asserts that the proxy logged a clock correction of about `seconds`: the
 * server's `Date` has whole seconds, so the offset it gives may be a second off.
 */
function assertClockCorrection(stderr: string, seconds: number, direction: string): void {
  const logged = new RegExp(`clock is (\\d+) s ${direction} the server's`).exec(stderr);
  assert(logged, `no clock correction "${direction}" in the log`);
  assert(Math.abs(Number(logged[1]) - seconds) <= 2, `corrected by ${logged[1]} s, not ${seconds}`);
}

function posts(backend: Backend, method: string) {
  return backend.seen.filter((r) => r.method === "POST" && r.rpc.includes(method));
}

Deno.test("503s and throttling are retried with backoff; the client sees only the answer", async () => {
  await withProxy(async (run, backend) => {
    const before = posts(backend, "tools/call").length;
    backend.faults.failNext(503, 2);
    assertEquals(await echo(run, "after two 503s"), "after two 503s");
    backend.faults.failNext(429);
    assertEquals(await echo(run, "after a 429"), "after a 429");
    assertEquals(posts(backend, "tools/call").length - before, 5, "3 + 2 attempts");
    assertEquals(backend.faults.counts, { unavailable: 2, throttled: 1, skewRefused: 0 });
    assertMatch(run.stderr(), /POST HTTP 503 \(unavailable\); retry 2 of 2/);
    assertMatch(run.stderr(), /POST HTTP 429 \(throttled\); retry 1 of 2/);
    assert(backend.seen.every((r) => r.verified), "every attempt was signed anew and valid");
  });
});

Deno.test("after a 504 a read-only call is sent again, a write call is not", async () => {
  await withProxy(async (run, backend) => {
    backend.faults.failNext(504);
    assertEquals(await echo(run, "safe to repeat"), "safe to repeat");
    const writes = posts(backend, "tools/call").length;
    backend.faults.failNext(504);
    const error = await failure(
      run.client.callTool({ name: "write_note", arguments: { note: "once" } }),
    );
    assertMatch(error.message, /HTTP 504/);
    assertEquals(posts(backend, "tools/call").length - writes, 1, "the write was sent once");
  }, { args: ["--allow-write"] });
});

Deno.test("retries give up after --retries and the client gets one clear error", async () => {
  await withProxy(async (run, backend) => {
    backend.faults.failNext(503, 2);
    const error = await failure(echo(run, "x"));
    assertMatch(error.message, /The endpoint failed \(HTTP 503\): Service Unavailable\. Try again/);
    assertEquals(backend.faults.counts.unavailable, 2, "--retries 1: two attempts");
  }, { args: ["--retries", "1"] });
});

Deno.test("a clock 10 minutes slow is corrected from the server's Date once and kept", async () => {
  await withProxy(async (run, backend) => {
    for (let i = 0; i < 3; i++) assertEquals(await echo(run, `call ${i}`), `call ${i}`);
    assertEquals(backend.faults.counts.skewRefused, 1, "only the first request was refused");
    assertClockCorrection(run.stderr(), 600, "behind");
  }, { before: (backend) => (backend.faults.settings.skewMs = 10 * 60_000) });
});

/** Connects with container credentials from the backend's `/credentials` and no keys in the environment. */
const containerCredentials = (backend: Backend): ConnectOptions => ({
  env: {
    AWS_ACCESS_KEY_ID: "",
    AWS_SECRET_ACCESS_KEY: "",
    AWS_CONTAINER_CREDENTIALS_FULL_URI: new URL("/credentials", backend.url).href,
  },
});

function signingKeys(backend: Backend): string[] {
  return backend.seen.map((r) => /Credential=([^/]+)/.exec(r.headers.authorization ?? "")?.[1])
    .filter((k): k is string => k !== undefined);
}

Deno.test("temporary credentials are renewed before they expire, with no request refused", async () => {
  await withProxy(async (run, backend) => {
    assertEquals(await echo(run, "first"), "first");
    assertEquals(backend.credentials?.issued, 1);
    // Within 5 minutes of expiry the chain renews in the background while the old set still works.
    await new Promise((r) => setTimeout(r, 2500));
    await echo(run, "inside the renewal window");
    // The renewal runs in the background; later calls sign with the new set once it is in.
    for (let i = 0; i < 40 && signingKeys(backend).at(-1) !== "ASIAEXAMPLE000000002"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      assertEquals(await echo(run, "with the new set"), "with the new set");
    }
    assert(backend.credentials!.issued >= 2, "renewed");
    assert(backend.seen.every((r) => r.verified), "no request was refused");
    assertEquals(signingKeys(backend).at(-1), "ASIAEXAMPLE000000002");
  }, {
    backend: { credentialLifetimeMs: 5 * 60_000 + 2000 },
    connect: containerCredentials,
  });
});

Deno.test("a revoked session token is replaced and the request sent once more", async () => {
  await withProxy(async (run, backend) => {
    assertEquals(await echo(run, "before"), "before");
    backend.credentials!.revokeAll();
    assertEquals(await echo(run, "after revoke"), "after revoke");
    assertEquals(backend.credentials!.issued, 2);
    const refused = backend.seen.filter((r) => !r.verified);
    assertEquals(refused.length, 1, "one ExpiredToken 403, then the resend");
    assertMatch(run.stderr(), /AWS rejected the session token; resolving the credentials again/);
  }, {
    backend: { credentialLifetimeMs: 60 * 60_000 },
    connect: containerCredentials,
  });
});

Deno.test("expired profile credentials give one clear error naming the fix; renewing them needs no restart", async () => {
  const token = (n: number) => `IQoJEXAMPLEPROFILETOKEN-${n}`;
  const keys = new Map<string, TestKey>([[EXAMPLE_KEY_ID, {
    secretAccessKey: EXAMPLE_SECRET,
    sessionToken: token(1),
  }]]);
  const credentialsFile = (n: number) =>
    `[dev]\naws_access_key_id = ${EXAMPLE_KEY_ID}\naws_secret_access_key = ${EXAMPLE_SECRET}\naws_session_token = ${
      token(n)
    }\n`;
  const home = await makeAwsHome({
    credentials: credentialsFile(1),
    config: "[profile dev]\nregion = us-east-1\n",
  });
  try {
    await withProxy(async (run) => {
      assertEquals(await echo(run, "fine"), "fine");
      keys.get(EXAMPLE_KEY_ID)!.expiresAt = 0;
      const error = await failure(echo(run, "expired"));
      assertMatch(
        error.message,
        /The AWS credentials of profile "dev" have expired and fresh ones could not be found: The security token included in the request is expired\. Renew them \(for SSO: aws sso login --profile dev\)/,
      );
      // The user renews the credentials (as `aws sso login` or a credentials helper would).
      keys.set(EXAMPLE_KEY_ID, { secretAccessKey: EXAMPLE_SECRET, sessionToken: token(2) });
      await Deno.writeTextFile(`${home.home}/.aws/credentials`, credentialsFile(2));
      assertEquals(await echo(run, "renewed"), "renewed");
    }, {
      backend: { keys },
      args: ["--profile", "dev"],
      connect: () => ({ home, env: { AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "" } }),
    });
  } finally {
    await home.remove();
  }
});

Deno.test("a key fixed in the credentials file while the proxy runs is picked up at the next signature mismatch", async () => {
  const rotated = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYROTATEDKEY";
  const keys = new Map<string, TestKey>([[EXAMPLE_KEY_ID, { secretAccessKey: EXAMPLE_SECRET }]]);
  const credentialsFile = (secret: string) =>
    `[dev]\naws_access_key_id = ${EXAMPLE_KEY_ID}\naws_secret_access_key = ${secret}\n`;
  const home = await makeAwsHome({
    credentials: credentialsFile(EXAMPLE_SECRET),
    config: "[profile dev]\nregion = us-east-1\n",
  });
  try {
    await withProxy(async (run, backend) => {
      assertEquals(await echo(run, "fine"), "fine");
      // The key is rotated in IAM; the file still holds the old secret.
      keys.set(EXAMPLE_KEY_ID, { secretAccessKey: rotated });
      const error = await failure(echo(run, "old secret"));
      assertMatch(error.message, /signature does not match/);
      // The user puts the new secret in the file; no restart.
      await Deno.writeTextFile(`${home.home}/.aws/credentials`, credentialsFile(rotated));
      const before = backend.seen.length;
      assertEquals(await echo(run, "new secret"), "new secret");
      const attempts = backend.seen.slice(before).filter((r) => r.rpc.includes("tools/call"));
      assertEquals(attempts.map((r) => r.verified), [false, true], "refused once, then re-signed");
      assertMatch(run.stderr(), /AWS rejected the signature; resolving the credentials again/);
    }, {
      backend: { keys },
      args: ["--profile", "dev"],
      connect: () => ({ home, env: { AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "" } }),
    });
  } finally {
    await home.remove();
  }
});

function initializePosts(backend: Backend) {
  return backend.seen.filter((r) => r.rpc.includes("initialize"));
}

for (const status of [404, 400] as const) {
  Deno.test(`an expired session answered ${status} is renewed with the client's own initialize, unseen by the client`, async () => {
    await withProxy(async (run, backend) => {
      assertEquals(await echo(run, "first session"), "first session");
      const firstSession = posts(backend, "tools/call").at(-1)!.sessionId;
      assertEquals(await backend.expireSessions(), 1);
      assertEquals(await echo(run, "second session"), "second session");
      const inits = initializePosts(backend);
      assertEquals(inits.length, 2);
      const params = inits.map((r) => (r.body as { params: Record<string, unknown> }).params);
      assertEquals(params[1], params[0], "the client's own initialize parameters");
      assertEquals((params[1]!.clientInfo as { name: string }).name, "proxy-test");
      const lastCall = posts(backend, "tools/call").at(-1)!;
      assert(lastCall.sessionId !== firstSession, "the call went to the new session");
      const afterRenewal = backend.seen.slice(backend.seen.indexOf(inits[1]!));
      assert(
        afterRenewal.some((r) => r.rpc.includes("notifications/initialized")),
        "notifications/initialized was sent again",
      );
      assertMatch(run.stderr(), /the server ended the session; starting a new one/);
      assertEquals(backend.openSessions, 1);
    }, { backend: { unknownSessionStatus: status } });
  });
}

for (const status of [404, 400] as const) {
  Deno.test(`a session that ends while the client is idle is renewed from its GET stream (${status}), before any request`, async () => {
    await withProxy(async (run, backend) => {
      assertEquals(await echo(run, "first session"), "first session");
      // The GET stream is open once the session is initialized.
      await waitFor(() => backend.seen.some((r) => r.method === "GET"));
      assertEquals(await backend.expireSessions(), 1);
      // The GET stream closes with the session; reopening it is refused as the session is unknown.
      await waitFor(() => initializePosts(backend).length === 2, 10_000);
      assertEquals(posts(backend, "tools/call").length, 1, "no request of the client's was needed");
      assertEquals(await echo(run, "second session"), "second session");
      assertEquals(initializePosts(backend).length, 2);
    }, { backend: { unknownSessionStatus: status } });
  });
}

Deno.test("calls in flight when the session ends: a read-only one is sent again, a write one is answered with what happened", async () => {
  await withProxy(async (run, backend) => {
    const read = run.client.callTool({ name: "slow_echo", arguments: { text: "again", ms: 400 } });
    const write = failure(
      run.client.callTool({ name: "write_note", arguments: { note: "maybe", ms: 400 } }),
    );
    // The session ends once both calls are running on the backend.
    while (posts(backend, "tools/call").length < 2) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    await backend.expireSessions();
    assertEquals((await read).content, [{ type: "text", text: "again" }]);
    assertMatch(
      (await write).message,
      // The session's end closed the call's stream, or its answer was due on the old session.
      /(The server's session ended while|The server's event stream ended before it answered) tools\/call.*may or may not have run/,
    );
    // Counted where they ran: a re-send that met the ended session's 404 never did.
    assertEquals(
      [backend.callsOf("slow_echo"), backend.callsOf("write_note")],
      [2, 1],
      "slow_echo twice, write_note once",
    );
  }, { args: ["--allow-write"] });
});

Deno.test("a backend that restarts mid-session is survived", async () => {
  await withProxy(async (run, backend) => {
    assertEquals(await echo(run, "before restart"), "before restart");
    await backend.restart();
    assertEquals(await echo(run, "after restart"), "after restart");
    const { tools } = await run.client.listTools();
    assert(tools.some((t) => t.name === "echo"));
  });
});

for (const pad of [0, 100_000]) {
  const answer = pad === 0 ? "a small answer" : "a large answer";
  Deno.test(`a dropped event stream is resumed with Last-Event-ID and nothing is lost: ${answer}`, async () => {
    // Raw lines, not the SDK Client: its Client drops progress that arrives in
    // the same read as the response, which would hide what the proxy wrote.
    const backend = startBackend({ resumable: true });
    const home = await makeAwsHome();
    const proxy = spawnRawProxy(backend.url, home.home, BACKEND_SCOPE);
    let failed: unknown;
    try {
      // Servers send the event ids that make a stream resumable from protocol 2025-11-25 on.
      await proxy.send(JSON.stringify({
        jsonrpc: "2.0",
        id: 0,
        method: "initialize",
        params: {
          protocolVersion: "2025-11-25",
          capabilities: {},
          clientInfo: { name: "raw", version: "1" },
        },
      }));
      assert("result" in await proxy.next());
      await proxy.send(INITIALIZED_LINE);
      await proxy.send(JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: {
          name: "count_down",
          arguments: { steps: 5, drop_after: 2, pad },
          _meta: { progressToken: "p" },
        },
      }));
      const out: unknown[] = [];
      for (let i = 0; i < 6; i++) {
        const message = await proxy.next();
        out.push(
          "id" in message ? message.result : (message.params as { progress: number }).progress,
        );
      }
      assertEquals(out, [1, 2, 3, 4, 5, {
        content: [{ type: "text", text: `counted 5${".".repeat(pad)}` }],
      }]);
      const resumed = backend.seen.filter((r) => r.method === "GET" && r.headers["last-event-id"]);
      assertEquals(resumed.length, 1, "the stream was resumed once, with Last-Event-ID");
    } catch (error) {
      failed = error;
    }
    const { stderr } = await proxy.finish();
    await home.remove();
    await backend.close();
    if (failed) throw withProxyStderr(failed, stderr);
  });
}

Deno.test("through every recovery, a debug-level run never writes a secret, token or signature", async () => {
  await withProxy(async (run, backend) => {
    backend.faults.failNext(503);
    await echo(run, "retried");
    backend.credentials!.revokeAll();
    await echo(run, "renewed credentials");
    await backend.expireSessions();
    await echo(run, "renewed session");
    backend.faults.settings.skewMs = -7 * 60_000;
    await echo(run, "clock corrected");
    backend.faults.failNext(504);
    const error = await failure(
      run.client.callTool({ name: "write_note", arguments: { note: "x" } }),
    );
    const everything = `${run.stderr()}\n${error.message}`;
    assertMatch(run.stderr(), /DEBUG/);
    for (
      const secret of [
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        "IQoJEXAMPLETOKEN-1",
        "IQoJEXAMPLETOKEN-2",
        "Signature=",
        "AWS4-HMAC-SHA256",
      ]
    ) {
      assert(!everything.includes(secret), `"${secret}" was written`);
    }
    assert(!/authorization\s*[:=]/i.test(everything), "an Authorization header was written");
  }, {
    args: ["--log-level", "debug", "--allow-write"],
    backend: { credentialLifetimeMs: 60 * 60_000 },
    connect: containerCredentials,
  });
});

Deno.test("the backend program takes its faults from flags and from POST /faults while it runs", async () => {
  const program = await startBackendProgram([`--skew-ms=${-8 * 60_000}`]);
  const url = program.url;
  const control = async (body: unknown) =>
    await (await fetch(new URL("/faults", url), { method: "POST", body: JSON.stringify(body) }))
      .json();
  const run = await connectThroughProxy(url, { args: [...BACKEND_SCOPE] });
  try {
    assertEquals(await echo(run, "skewed"), "skewed");
    assertClockCorrection(run.stderr(), 480, "ahead of");
    assertEquals((await control({ failNext: { status: 503 } })).unavailable, 0);
    assertEquals(await echo(run, "after a 503"), "after a 503");
    await control({ restart: true });
    await new Promise((r) => setTimeout(r, 100));
    assertEquals(await echo(run, "after a restart"), "after a restart");
    assertMatch(run.stderr(), /retry 1 of 2/);
    assertMatch(run.stderr(), /starting a new one/);
  } catch (error) {
    throw withProxyStderr(error, run.stderr());
  } finally {
    await run.close();
    await program.stop();
  }
});
