import { assert, assertEquals } from "./assert.ts";
import type { JSONRPCMessage, RequestId } from "../src/mcp_sdk.ts";
import { ResponseTap } from "../src/transport/http/response_tap.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const ANSWER = '{"result":{"content":[{"type":"text","text":"a\\"b"}]},"jsonrpc":"2.0","id":7}';
const PROGRESS =
  '{"method":"notifications/progress","params":{"progressToken":7,"progress":1},"jsonrpc":"2.0"}';

/** Passes `body`, cut into `chunks`, through a tap taking the ids in `taking`. */
async function tapped(
  body: string,
  options: {
    type?: string;
    status?: number;
    cuts?: number[];
    taking?: RequestId[];
    minBytes?: number;
    holdMs?: number;
  } = {},
) {
  const taking = new Set(options.taking ?? [7]);
  const tap = new ResponseTap((id) => taking.has(id), {
    minBytes: options.minBytes ?? 0,
    holdMs: options.holdMs ?? 1000,
  });
  const bytes = encoder.encode(body);
  const cuts = [0, ...(options.cuts ?? []), bytes.length];
  const fetch = tap.wrap(() =>
    Promise.resolve(
      new Response(
        new ReadableStream({
          start(controller) {
            for (let i = 1; i < cuts.length; i++) {
              controller.enqueue(bytes.slice(cuts[i - 1], cuts[i]));
            }
            controller.close();
          },
        }),
        {
          status: options.status ?? 200,
          headers: { "content-type": options.type ?? "text/event-stream", "mcp-session-id": "s1" },
        },
      ),
    )
  );
  const response = await fetch("http://127.0.0.1/mcp");
  const text = await response.text();
  return { tap, text, response };
}

/** The messages of an SSE text, as the SDK's parser would read them (one data line each). */
function messages(sse: string): JSONRPCMessage[] {
  return sse.split(/\r?\n\r?\n/).flatMap((event) =>
    event.split(/\r?\n/).filter((l) => l.startsWith("data:")).map((l) =>
      JSON.parse(l.slice(5).trim())
    )
  );
}

function claimed(tap: ResponseTap, message: JSONRPCMessage): string | undefined {
  const pieces = tap.claim(message);
  return pieces && pieces.map((p) => decoder.decode(p, { stream: true })).join("");
}

Deno.test("an answer the proxy takes is held, and a stand-in with its ids takes its place", async () => {
  const body = `id: e1\ndata: ${PROGRESS}\n\nevent: message\nid: e2\ndata: ${ANSWER}\n\n`;
  const { tap, text, response } = await tapped(body);
  assertEquals(response.headers.get("mcp-session-id"), "s1");
  const [progress, standIn] = messages(text);
  assertEquals(progress, JSON.parse(PROGRESS));
  assert(text.includes("id: e2\n"), "the event id stays for resumption");
  assertEquals(standIn!.jsonrpc, "2.0");
  assertEquals((standIn as { id: RequestId }).id, 7);
  assertEquals(tap.holding, 1);
  assertEquals(claimed(tap, standIn!), ANSWER);
  assertEquals(tap.holding, 0);
  assertEquals(tap.claim(standIn!), undefined, "held bytes are handed out once");
  assertEquals(tap.claim(progress!), undefined);
});

Deno.test("however the body is cut, the tap reads the same events", async () => {
  const body = `id: e1\r\ndata: ${PROGRESS}\r\n\r\n: keep-alive\r\n\r\ndata:${ANSWER}\r\n\r\n`;
  const whole = await tapped(body);
  const length = encoder.encode(body).length;
  for (let a = 0; a < length; a += 7) {
    for (const b of [a + 1, a + 13, length - 1]) {
      if (b <= a || b >= length) continue;
      const { tap, text } = await tapped(body, { cuts: [a, b] });
      assertEquals(text, whole.text, `cut at ${a} and ${b}`);
      assertEquals(claimed(tap, messages(text)[1]!), ANSWER, `cut at ${a} and ${b}`);
    }
  }
});

Deno.test("what the proxy does not take passes byte for byte", async () => {
  const bodies = [
    `data: ${ANSWER}\n\n`, // an id the proxy does not take
    `event: other\ndata: ${ANSWER}\n\n`, // not a message event
    `data: {"result":{},\ndata: "id":7}\n\n`, // data over two lines
    `data: ${PROGRESS.replace('"method"', '"id":7,"method"')}\n\n`, // a request, not an answer
    `data: ${ANSWER.slice(0, -1)}\n\n`, // cut short
    `data: ${ANSWER}\rdata: x\r\r`, // lone CRs end lines in SSE
    `data: ${ANSWER}`, // no blank line before the end
  ];
  for (const [n, body] of bodies.entries()) {
    const { tap, text } = await tapped(body, { taking: n === 0 ? [] : [7] });
    assertEquals(text, body);
    assertEquals(tap.holding, 0, body);
  }
});

Deno.test("a JSON body is held whole when it is one answer taken, and left alone otherwise", async () => {
  const taken = await tapped(ANSWER, { type: "application/json", cuts: [10, 40] });
  const standIn = JSON.parse(taken.text);
  assertEquals(standIn.id, 7);
  assertEquals(claimed(taken.tap, standIn), ANSWER);
  for (const body of [`[${ANSWER}]`, ANSWER.replace(",", ",\n"), `{"id":8,"result":{}}`]) {
    const { tap, text } = await tapped(body, { type: "application/json", cuts: [5] });
    assertEquals(text, body);
    assertEquals(tap.holding, 0);
  }
});

Deno.test("error statuses and other media types are not read", async () => {
  for (const options of [{ status: 404 }, { type: "text/plain" }]) {
    const { tap, text } = await tapped(`data: ${ANSWER}\n\n`, options);
    assertEquals(text, `data: ${ANSWER}\n\n`);
    assertEquals(tap.holding, 0);
  }
});

Deno.test("answers under the size limit are left to the SDK; longer ones are held", async () => {
  const small = await tapped(`data: ${ANSWER}\n\n`, { minBytes: 100 });
  assertEquals(small.text, `data: ${ANSWER}\n\n`);
  assertEquals(small.tap.holding, 0);
  const long = ANSWER.replace('a\\"b', "x".repeat(200));
  const body = `data: ${PROGRESS}\n\ndata: ${long}\n\n`;
  const big = await tapped(body, { minBytes: 100, cuts: [30, 150] });
  assertEquals(claimed(big.tap, messages(big.text)[1]!), long);
  const json = await tapped(ANSWER, { type: "application/json", minBytes: 100 });
  assertEquals(json.text, ANSWER);
});

Deno.test("bytes whose stand-in never comes are dropped after a while", async () => {
  const { tap, text } = await tapped(`data: ${ANSWER}\n\n`, { holdMs: 20 });
  assertEquals(tap.holding, 1);
  await new Promise((resolve) => setTimeout(resolve, 60));
  assertEquals(tap.holding, 0);
  assertEquals(tap.claim(messages(text)[0]!), undefined);
});
