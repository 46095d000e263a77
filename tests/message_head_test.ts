import { assert, assertEquals } from "./assert.ts";
import { type MessageHead, MessageHeadScanner } from "../src/jsonrpc/message_head.ts";

const encode = (text: string) => new TextEncoder().encode(text);

/** Scans `text` cut into pieces at `cuts` (byte offsets). */
function scan(text: string, cuts: number[] = []): Readonly<MessageHead> {
  const bytes = encode(text);
  const scanner = new MessageHeadScanner();
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    scanner.feed(bytes.subarray(from, cut));
    from = cut;
  }
  return scanner.head;
}

/** What the scanner must say of a whole message, worked out with JSON.parse. */
function expected(text: string): Pick<MessageHead, "id" | "hasMethod" | "hasOutcome"> {
  const message = JSON.parse(text);
  const id = typeof message.id === "string" || typeof message.id === "number"
    ? { id: message.id }
    : {};
  return {
    ...id,
    hasMethod: "method" in message,
    hasOutcome: "result" in message || "error" in message,
  };
}

const pick = ({ id, hasMethod, hasOutcome }: Readonly<MessageHead>) =>
  id === undefined ? { hasMethod, hasOutcome } : { id, hasMethod, hasOutcome };

const MESSAGES = [
  '{"result":{"content":[{"type":"text","text":"x"}]},"jsonrpc":"2.0","id":7}',
  '{"jsonrpc":"2.0","id":"abc-1","method":"tools/call","params":{"id":3,"name":"n"}}',
  '{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"id","id":1}}',
  '{"jsonrpc":"2.0","id":-12,"error":{"code":-32601,"message":"no \\"id\\": 4 here"}}',
  '{ "jsonrpc" : "2.0" , "id" : "a\\"b\\\\" , "result" : { "s" : "\\\\\\"}{][" } }',
  '{"result":{"text":"é ✓ 😀 \\u00e9","nested":[[{"id":1}],{"a":[1,2,{"b":"}"}]}]},"id":1e3,"jsonrpc":"2.0"}',
  '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}',
  '{"result":{"note":"ends in a backslash \\\\"},"id":"\\\\","jsonrpc":"2.0"}',
];

Deno.test("the scanner reads id, method and outcome as JSON.parse does, however the bytes are cut", () => {
  for (const text of MESSAGES) {
    const want = expected(text);
    const length = encode(text).length;
    assertEquals(pick(scan(text)), want, text);
    for (let cut = 0; cut <= length; cut++) {
      assertEquals(pick(scan(text, [cut])), want, `${text} cut at ${cut}`);
    }
    for (let a = 0; a <= length; a += 3) {
      for (let b = a; b <= length; b += 5) {
        assertEquals(pick(scan(text, [a, b])), want, `${text} cut at ${a} and ${b}`);
      }
    }
    assert(scan(text).complete, text);
    assert(!scan(text).invalid, text);
  }
});

Deno.test("the id is kept exactly as written, to be quoted back", () => {
  assertEquals(scan('{"id":"x\\u0041","result":{}}').idText, '"x\\u0041"');
  assertEquals(scan('{"id":"x\\u0041","result":{}}').id, "xA");
  assertEquals(scan('{"result":{},"id":  42 }').idText, "42");
});

Deno.test("a cut-off text gives only what it shows: an unfinished id is not guessed", () => {
  assertEquals(scan('{"jsonrpc":"2.0","id":7,"method":"m"').id, 7);
  assertEquals(scan('{"jsonrpc":"2.0","id":12').id, undefined, "the number may go on");
  assertEquals(scan('{"id":"unterminated').id, undefined);
  assertEquals(scan('{"method":"m","params":{"text":"aaaa').hasMethod, true);
  assertEquals(scan('{"id":1').complete, false);
  assertEquals(scan('{"note":"id","x":1}').id, undefined, "a value that reads id is not a name");
});

Deno.test("batches, stray bytes and oversized ids are not read as a message", () => {
  assert(scan('[{"id":1,"result":{}}]').invalid);
  assert(scan('{"id":1,"result":{}} x').invalid);
  assert(scan('x{"id":1}').invalid);
  assertEquals(scan(`{"id":"${"i".repeat(300)}","result":{}}`).id, undefined);
  const long = scan(`{"${"k".repeat(300)}":1,"id":2,"result":{}}`);
  assertEquals(pick(long), { id: 2, hasMethod: false, hasOutcome: true });
});

Deno.test("a 10 MB result is read in pieces without being decoded", () => {
  const text = `{"result":{"content":[{"type":"text","text":"${
    'a\\"b\\\\'.repeat(1_500_000)
  }"}]},"jsonrpc":"2.0","id":"big"}`;
  const bytes = encode(text);
  const scanner = new MessageHeadScanner();
  for (let from = 0; from < bytes.length; from += 65_536) {
    scanner.feed(bytes.subarray(from, from + 65_536));
  }
  assertEquals(pick(scanner.head), { id: "big", hasMethod: false, hasOutcome: true });
  assert(scanner.head.complete);
});
