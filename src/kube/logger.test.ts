import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { test } from "node:test";
import { createLogger } from "./logger.js";

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString("utf8"));
      callback();
    },
  });
  return { lines, stream };
}

test("createLogger() redacts Secret data, stringData and tokens at any of three levels", () => {
  const planted = "s3cr3t-planted-value";
  const { lines, stream } = capture();
  const log = createLogger({ destination: stream, name: "test" });
  log.info({ data: { password: planted } }, "top level");
  log.info({ obj: { kind: "Secret", data: { k: planted }, stringData: { k: planted } } }, "nested");
  log.info({ err: { body: { data: planted, token: planted } } }, "deeper");
  log.info({ cfg: { bearerToken: planted, "client-key-data": planted } }, "tokens");
  log.info({ user: { name: "alice" } }, "harmless");
  assert.equal(lines.length, 5);
  for (const line of lines) assert.ok(!line.includes(planted), `leaked in ${line}`);
  assert.match(lines[1] ?? "", /"data":"\[REDACTED\]"/);
  assert.match(lines[4] ?? "", /"alice"/, "other fields stay");
  assert.equal((JSON.parse(lines[0] ?? "{}") as { name?: string }).name, "test");
});
