// Core NATS through nats.js: publish/subscribe, headers, request/reply and
// no responders, against the server at PETREL_URL.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { headers, errors } from "@nats-io/nats-core";

const servers = process.env.PETREL_URL ?? "nats://127.0.0.1:4222";
const limit = { timeout: 20_000 }; // per test, so a hang fails with its name
let nc;
before(async () => {
  nc = await connect({ servers, name: "nats.js core" });
});
after(async () => {
  await nc?.drain();
});

test("server INFO greets nats.js", limit, () => {
  assert.ok(nc.info.server_id, "INFO has a server_id");
  assert.equal(nc.info.headers, true, "INFO says headers are supported");
  assert.ok(nc.info.max_payload > 0, "INFO has max_payload");
});

test("publish and subscribe with a wildcard", limit, async () => {
  const sub = nc.subscribe("greet.*", { max: 3 });
  nc.publish("greet.a", "hi A");
  nc.publish("greet.b", "hi B");
  nc.publish("other.c", "not for us");
  nc.publish("greet.c", "hi C");
  const got = [];
  for await (const m of sub) {
    got.push(`${m.subject}=${m.string()}`);
  }
  assert.deepEqual(got, ["greet.a=hi A", "greet.b=hi B", "greet.c=hi C"]);
});

test("queue group members share the messages", limit, async () => {
  const counts = [0, 0];
  const subs = counts.map((_, i) =>
    nc.subscribe("work", { queue: "workers", callback: () => counts[i]++ }),
  );
  await nc.flush();
  for (let i = 0; i < 20; i++) nc.publish("work", `job ${i}`);
  await nc.flush(); // the server has routed all 20 before it answers the PING
  await nc.flush();
  subs.forEach((s) => s.unsubscribe());
  assert.equal(counts[0] + counts[1], 20, `each job reaches exactly one member: ${counts}`);
});

test("headers travel with the message", limit, async () => {
  const sub = nc.subscribe("hdrs", { max: 1 });
  const h = headers();
  h.set("X-Trace", "abc-1");
  h.append("X-Multi", "one");
  h.append("X-Multi", "two");
  nc.publish("hdrs", "with headers", { headers: h });
  for await (const m of sub) {
    assert.equal(m.string(), "with headers");
    assert.equal(m.headers.get("X-Trace"), "abc-1");
    assert.deepEqual(m.headers.values("X-Multi"), ["one", "two"]);
  }
});

test("request and reply", limit, async () => {
  const svc = nc.subscribe("svc.echo", {
    callback: (err, m) => {
      if (!err) m.respond(`echo: ${m.string()}`, { headers: m.headers });
    },
  });
  await nc.flush();
  const h = headers();
  h.set("X-Req", "1");
  const r = await nc.request("svc.echo", "ping", { timeout: 2000, headers: h });
  assert.equal(r.string(), "echo: ping");
  assert.equal(r.headers?.get("X-Req"), "1");
  svc.unsubscribe();
});

test("a request nobody listens to fails with no responders", limit, async () => {
  await assert.rejects(nc.request("nobody.home", "x", { timeout: 2000 }), (err) => {
    assert.ok(err instanceof errors.RequestError, `got ${err}`);
    assert.ok(err.isNoResponders(), `not a no-responders error: ${err}`);
    return true;
  });
});
