// JetStream through nats.js: streams, publish, pull consumers (fetch,
// consume, ordered), Key/Value and Object Store, against PETREL_URL.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes, createHash } from "node:crypto";
import { connect } from "@nats-io/transport-node";
import { jetstream, jetstreamManager, AckPolicy, JetStreamApiError } from "@nats-io/jetstream";
import { Kvm, KvWatchInclude } from "@nats-io/kv";
import { Objm } from "@nats-io/obj";

const servers = process.env.PETREL_URL ?? "nats://127.0.0.1:4222";
const limit = { timeout: 20_000 }; // per test, so a hang fails with its name
let nc, js, jsm;
before(async () => {
  nc = await connect({ servers, name: "nats.js jetstream" });
  jsm = await jetstreamManager(nc);
  js = jetstream(nc);
});
after(async () => {
  await nc?.drain();
});

test("create a stream, publish, de-duplicate, read back", limit, async () => {
  const si = await jsm.streams.add({ name: "JS_ORDERS", subjects: ["js.orders.>"] });
  assert.equal(si.config.name, "JS_ORDERS");
  for (let i = 1; i <= 5; i++) {
    const pa = await js.publish("js.orders.new", `order ${i}`);
    assert.equal(pa.stream, "JS_ORDERS");
    assert.equal(pa.seq, i);
  }
  const first = await js.publish("js.orders.paid", "paid", { msgID: "pay-1" });
  const again = await js.publish("js.orders.paid", "paid", { msgID: "pay-1" });
  assert.equal(again.duplicate, true, "same Nats-Msg-Id is a duplicate");
  assert.equal(again.seq, first.seq);
  await assert.rejects(
    js.publish("js.orders.new", "x", { expect: { lastSequence: 1 } }),
    (err) => err instanceof JetStreamApiError && err.code === 10071,
  );

  const info = await jsm.streams.info("JS_ORDERS");
  assert.equal(info.state.messages, 6);
  const m = await jsm.streams.getMessage("JS_ORDERS", { last_by_subj: "js.orders.paid" });
  assert.equal(m.seq, 6);
  assert.equal(m.string(), "paid");
  const names = [];
  for await (const n of jsm.streams.names()) names.push(n);
  assert.ok(names.includes("JS_ORDERS"), `stream names: ${names}`);
});

test("pull consumer: fetch, ack, consume, then an ordered consumer", limit, async () => {
  await jsm.streams.add({ name: "JS_WORK", subjects: ["js.work.*"] });
  for (let i = 1; i <= 10; i++) await js.publish(`js.work.${i % 2 ? "odd" : "even"}`, `job ${i}`);

  await jsm.consumers.add("JS_WORK", {
    durable_name: "ODD",
    filter_subject: "js.work.odd",
    ack_policy: AckPolicy.Explicit,
  });
  const c = await js.consumers.get("JS_WORK", "ODD");
  const got = [];
  const batch = await c.fetch({ max_messages: 3, expires: 2000 });
  for await (const m of batch) {
    got.push(m.string());
    m.ack();
  }
  assert.deepEqual(got, ["job 1", "job 3", "job 5"]);

  const rest = await c.consume({ max_messages: 10 });
  for await (const m of rest) {
    got.push(m.string());
    await m.ackAck();
    if (m.info.pending === 0) break;
  }
  assert.deepEqual(got, ["job 1", "job 3", "job 5", "job 7", "job 9"]);
  const ci = await c.info();
  assert.equal(ci.num_ack_pending, 0);
  assert.equal(ci.num_pending, 0);
  assert.equal(ci.delivered.stream_seq, 9);

  const ordered = await js.consumers.get("JS_WORK", { filter_subjects: ["js.work.even"] });
  const evens = [];
  const it = await ordered.consume();
  for await (const m of it) {
    evens.push(m.string());
    if (m.info.pending === 0) break;
  }
  assert.deepEqual(evens, ["job 2", "job 4", "job 6", "job 8", "job 10"]);
});

test("Key/Value: put, get, create, update, delete, keys, history, watch", limit, async () => {
  const kvm = new Kvm(nc);
  const kv = await kvm.create("js_cfg", { history: 5 });
  assert.equal(await kv.put("db.url", "postgres://a"), 1);
  assert.equal(await kv.put("db.url", "postgres://b"), 2);
  const e = await kv.get("db.url");
  assert.equal(e.string(), "postgres://b");
  assert.equal(e.revision, 2);
  assert.equal(e.operation, "PUT");
  assert.equal((await kv.get("db.url", { revision: 1 })).string(), "postgres://a");
  assert.equal(await kv.get("missing"), null);

  await assert.rejects(kv.create("db.url", "x"), "create of an existing key fails");
  assert.equal(await kv.create("db.pool", "10"), 3);
  await assert.rejects(kv.update("db.pool", "20", 1), "update with a wrong revision fails");
  assert.equal(await kv.update("db.pool", "20", 3), 4);
  await kv.delete("db.pool");
  assert.equal((await kv.get("db.pool"))?.operation, "DEL");

  const keys = [];
  for await (const k of await kv.keys()) keys.push(k);
  assert.deepEqual(keys, ["db.url"]);
  const hist = [];
  for await (const h of await kv.history({ key: "db.pool" })) hist.push(`${h.operation}@${h.revision}`);
  assert.deepEqual(hist, ["PUT@3", "PUT@4", "DEL@5"]);

  // A watcher gets the current values, then live ones. (nats.js flags
  // the last initial value as an update already: i >= num_pending.)
  const w = await kv.watch({ key: "db.>" });
  const seen = [];
  const done = (async () => {
    for await (const we of w) {
      seen.push(`${we.key} ${we.operation} ${we.string()}`);
      if (we.key === "db.host") {
        assert.equal(we.isUpdate, true);
        break;
      }
    }
  })();
  await kv.put("db.host", "localhost");
  await done;
  assert.deepEqual(seen, ["db.url PUT postgres://b", "db.pool DEL ", "db.host PUT localhost"]);

  const st = await kv.status();
  assert.equal(st.bucket, "js_cfg");
  assert.equal(st.history, 5);
  const buckets = [];
  for await (const b of kvm.list()) buckets.push(b.bucket);
  assert.ok(buckets.includes("js_cfg"), `buckets: ${buckets}`);
});

test("Key/Value: a key with its own TTL expires and watchers see it go", limit, async () => {
  const kv = await new Kvm(nc).create("js_leases", { markerTTL: 1000 });
  assert.equal((await kv.status()).markerTTL, 1000);
  const w = await kv.watch({ include: KvWatchInclude.UpdatesOnly });
  const ops = [];
  const gone = (async () => {
    for await (const e of w) {
      ops.push(`${e.key} ${e.operation}`);
      if (e.operation !== "PUT") return;
    }
  })();
  await kv.create("lock", "holder-1", "1s");
  await gone; // the server's limit marker arrives as a purge
  assert.deepEqual(ops, ["lock PUT", "lock PURGE"]);
  const e = await kv.get("lock");
  assert.ok(e === null || e.operation !== "PUT", `lock still held: ${e?.string()}`);
  assert.equal(await kv.create("lock", "holder-2"), 3, "the key can be taken again");
});

test("Object Store: put a multi-chunk object, get it back, info, list, delete", limit, async () => {
  const objm = new Objm(nc);
  const os = await objm.create("js_files");
  const data = randomBytes(1024 * 1024 + 333); // 9 chunks of 128 KiB
  const info = await os.putBlob({ name: "blob.bin", description: "random" }, data);
  assert.equal(info.size, data.length);
  assert.equal(info.chunks, 9);
  const sha = createHash("sha256").update(data).digest("base64url");
  assert.equal(info.digest, `SHA-256=${sha}=`); // nats.go and nats.js pad base64url

  const back = await os.getBlob("blob.bin");
  assert.equal(Buffer.compare(Buffer.from(back), data), 0, "same bytes back");
  const res = await os.get("blob.bin");
  let n = 0;
  for await (const chunk of res.data) n += chunk.length;
  assert.equal(n, data.length);
  assert.ok(!(await res.error), "digest verified");

  const got = await os.info("blob.bin");
  assert.equal(got.description, "random");
  assert.equal(got.digest, info.digest);
  await os.putBlob({ name: "small.txt" }, new TextEncoder().encode("hello"));
  const list = (await os.list()).map((o) => o.name).sort();
  assert.deepEqual(list, ["blob.bin", "small.txt"]);

  // A link reads as its target; a watcher sees new objects.
  await os.link("latest.bin", got);
  const viaLink = await os.getBlob("latest.bin");
  assert.equal(Buffer.compare(Buffer.from(viaLink), data), 0, "same bytes through the link");
  const w = await os.watch({ includeHistory: false });
  const seen = (async () => {
    for await (const oi of w) {
      if (oi?.name === "late.txt") return oi.size;
    }
  })();
  await os.putBlob({ name: "late.txt" }, new TextEncoder().encode("late!"));
  assert.equal(await seen, 5);
  w.stop();
  await os.delete("latest.bin");
  await os.delete("late.txt");

  await os.delete("blob.bin");
  assert.equal(await os.get("blob.bin"), null);
  assert.deepEqual((await os.list()).map((o) => o.name), ["small.txt"]);
  const st = await os.status();
  assert.equal(st.bucket, "js_files");
});
