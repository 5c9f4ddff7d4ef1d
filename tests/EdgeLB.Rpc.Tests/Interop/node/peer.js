'use strict';
// grpc-js peer for the EdgeLB.Rpc interop tests.
//
//   node peer.js server --protos DIR              serves edgelb.interop.v1.Interop on 127.0.0.1, prints
//                                                 "LISTENING <port>", runs until stdin closes or it is killed
//   node peer.js client --protos DIR --target HOST:PORT [--health]
//                                                 runs every scenario against the target and prints one JSON
//                                                 object {"results": [{"name", "ok", "detail"}]}
//
// DIR holds interop.proto and grpc/health/v1/health.proto; @grpc/proto-loader reads them directly.
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

function parseArgs(argv) {
  const args = { mode: argv[0] };
  for (let i = 1; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '');
    if (key === 'health') {
      args.health = true;
    } else {
      args[key] = argv[++i];
    }
  }
  return args;
}

function load(dir) {
  const options = { keepCase: true, longs: Number, enums: Number, defaults: true, includeDirs: [dir] };
  const def = protoLoader.loadSync(['interop.proto', 'grpc/health/v1/health.proto'], options);
  const pkg = grpc.loadPackageDefinition(def);
  return { Interop: pkg.edgelb.interop.v1.Interop, Health: pkg.grpc.health.v1.Health };
}

// ---------------------------------------------------------------------------------------------- server

function serve(types) {
  const stats = { cancelled: 0, completed: 0 };
  const track = (call) => {
    const state = { done: false };
    call.on('cancelled', () => {
      if (!state.done) {
        state.done = true;
        stats.cancelled++;
      }
    });
    return () => {
      if (!state.done) {
        state.done = true;
        stats.completed++;
      }
    };
  };
  const impl = {
    Unary(call, callback) {
      const auth = String(call.metadata.get('authorization')[0] || '');
      const token = auth.toLowerCase().startsWith('bearer ') ? auth.slice(7) : '';
      const trailer = new grpc.Metadata();
      trailer.set('x-trailer', 'done');
      callback(null, {
        message: call.request.message,
        payload: call.request.payload,
        authorization: token,
        metadata: String(call.metadata.get('x-echo')[0] || ''),
      }, trailer);
    },
    ServerStream(call) {
      const finish = track(call);
      const { count, payload_size: size, interval_ms: interval } = call.request;
      let i = 0;
      const payload = Buffer.alloc(size, 'x');
      const step = () => {
        if (call.cancelled) {
          return;
        }
        if (count >= 0 && i >= count) {
          finish();
          call.end();
          return;
        }
        const ok = call.write({ index: i++, payload });
        if (interval > 0) {
          setTimeout(step, interval);
        } else if (ok) {
          setImmediate(step);
        } else {
          call.once('drain', step);
        }
      };
      step();
    },
    ClientStream(call, callback) {
      let count = 0;
      let total = 0;
      const parts = [];
      call.on('data', (req) => {
        count++;
        total += req.payload.length;
        parts.push(req.message);
      });
      call.on('end', () => callback(null, { count, total_bytes: total, joined: parts.join(',') }));
    },
    Bidi(call) {
      let i = 0;
      call.on('data', (req) => call.write({ message: req.message, payload: req.payload, index: i++ }));
      call.on('end', () => call.end());
    },
    Fail(call, callback) {
      const trailer = new grpc.Metadata();
      trailer.set('x-fail', 'yes');
      callback({ code: call.request.code, details: call.request.message, metadata: trailer });
    },
    Sleep(call, callback) {
      const finish = track(call);
      const timer = setTimeout(() => {
        finish();
        callback(null, { completed: true });
      }, call.request.milliseconds);
      call.on('cancelled', () => clearTimeout(timer));
    },
    GetStats(call, callback) {
      callback(null, stats);
    },
  };
  const server = new grpc.Server();
  server.addService(types.Interop.service, impl);
  server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
    if (err) {
      console.error(err);
      process.exit(1);
    }
    console.log(`LISTENING ${port}`);
  });
  // Exit with the parent: a closed stdin means the test that started us is gone.
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
}

// ---------------------------------------------------------------------------------------------- client

class Check extends Error {}

function expect(cond, what) {
  if (!cond) {
    throw new Check(what);
  }
}

const deadline = (seconds) => new Date(Date.now() + seconds * 1000);
const sleepMs = (ms) => new Promise((r) => setTimeout(r, ms));

function unaryCall(client, method, request, options = {}, metadata = new grpc.Metadata()) {
  // Settles once both the callback (reply or error) and the final status (trailers) have arrived.
  return new Promise((resolve, reject) => {
    let outcome = null;
    let trailers = null;
    const settle = () => {
      if (outcome && trailers) {
        if (outcome.err) {
          reject(outcome.err);
        } else {
          resolve({ reply: outcome.reply, trailers });
        }
      }
    };
    const call = client[method](request, metadata, options, (err, reply) => {
      outcome = { err, reply };
      settle();
    });
    call.on('status', (s) => {
      trailers = s.metadata;
      settle();
    });
  });
}

async function expectCode(promise, code, what) {
  try {
    await promise;
  } catch (e) {
    expect(e.code === code, `${what}: expected ${code}, got ${e.code} (${e.details})`);
    return e;
  }
  throw new Check(`${what}: expected ${code}, the call succeeded`);
}

function collect(call) {
  return new Promise((resolve, reject) => {
    const items = [];
    call.on('data', (d) => items.push(d));
    call.on('error', reject);
    call.on('end', () => resolve(items));
  });
}

async function runClient(types, target, health) {
  const client = new types.Interop(target, grpc.credentials.createInsecure());
  const stats = async () => (await unaryCall(client, 'GetStats', {}, { deadline: deadline(5) })).reply;
  const waitCancelled = async (before) => {
    const end = Date.now() + 10000;
    while (Date.now() < end) {
      if ((await stats()).cancelled > before) {
        return;
      }
      await sleepMs(50);
    }
    throw new Check('the server never saw the call end early');
  };

  const scenarios = {
    async unary() {
      const md = new grpc.Metadata();
      md.set('authorization', 'Bearer tok-123');
      md.set('x-echo', 'abc');
      const payload = Buffer.from([0, 1, 255]);
      const { reply, trailers } = await unaryCall(client, 'Unary', { message: 'hello', payload }, { deadline: deadline(5) }, md);
      expect(reply.message === 'hello' && Buffer.compare(reply.payload, payload) === 0, `echo mismatch ${JSON.stringify(reply)}`);
      expect(reply.authorization === 'tok-123', `bearer token not seen: ${reply.authorization}`);
      expect(reply.metadata === 'abc', `x-echo not seen: ${reply.metadata}`);
      expect(trailers && trailers.get('x-trailer')[0] === 'done', 'trailer missing');
    },
    async unary_large() {
      const payload = Buffer.alloc(1024 * 1024);
      for (let i = 0; i < payload.length; i++) payload[i] = i & 0xff;
      const { reply } = await unaryCall(client, 'Unary', { payload }, { deadline: deadline(10) });
      expect(Buffer.compare(reply.payload, payload) === 0, '1 MiB payload did not round-trip');
    },
    async server_stream() {
      const items = await collect(client.ServerStream({ count: 5, payload_size: 10 }, { deadline: deadline(5) }));
      expect(JSON.stringify(items.map((r) => r.index)) === '[0,1,2,3,4]', `indices ${items.map((r) => r.index)}`);
      expect(items.every((r) => r.payload.length === 10), 'payload sizes');
    },
    async client_stream() {
      const summary = await new Promise((resolve, reject) => {
        const call = client.ClientStream({ deadline: deadline(5) }, (err, r) => (err ? reject(err) : resolve(r)));
        for (let i = 0; i < 3; i++) call.write({ message: String(i), payload: Buffer.from('ab') });
        call.end();
      });
      expect(summary.count === 3 && summary.joined === '0,1,2' && summary.total_bytes === 6, `summary ${JSON.stringify(summary)}`);
    },
    async bidi() {
      const call = client.Bidi({ deadline: deadline(10) });
      const queue = [];
      let waiter = null;
      let ended = false;
      let failure = null;
      call.on('data', (d) => { queue.push(d); if (waiter) { waiter(); waiter = null; } });
      call.on('end', () => { ended = true; if (waiter) { waiter(); waiter = null; } });
      call.on('error', (e) => { failure = e; if (waiter) { waiter(); waiter = null; } });
      const next = async () => {
        while (queue.length === 0 && !ended && !failure) await new Promise((r) => { waiter = r; });
        if (failure) throw failure;
        return queue.shift();
      };
      for (let i = 0; i < 3; i++) {
        call.write({ message: `m${i}` });
        const r = await next();
        expect(r && r.message === `m${i}` && r.index === i, `bidi reply ${i}: ${JSON.stringify(r)}`);
      }
      call.end();
      const rest = await next();
      expect(rest === undefined && ended, `extra reply ${JSON.stringify(rest)}`);
    },
    async fail() {
      const text = 'précondition échouée à 100%';
      const e = await expectCode(unaryCall(client, 'Fail', { code: 9, message: text }, { deadline: deadline(5) }), grpc.status.FAILED_PRECONDITION, 'Fail');
      expect(e.details === text, `details ${e.details}`);
      expect(e.metadata.get('x-fail')[0] === 'yes', 'x-fail trailer missing');
    },
    async unimplemented() {
      const rpc = client.makeUnaryRequest('/edgelb.interop.v1.Interop/NoSuchMethod', (x) => x, (x) => x, Buffer.alloc(0), { deadline: deadline(5) }, () => {});
      const code = await new Promise((resolve) => rpc.on('status', (s) => resolve(s.code)));
      expect(code === grpc.status.UNIMPLEMENTED, `code ${code}`);
    },
    async deadline() {
      const before = (await stats()).cancelled;
      const start = Date.now();
      await expectCode(unaryCall(client, 'Sleep', { milliseconds: 10000 }, { deadline: new Date(Date.now() + 300) }), grpc.status.DEADLINE_EXCEEDED, 'Sleep past deadline');
      expect(Date.now() - start < 4000, `deadline took ${Date.now() - start} ms`);
      await waitCancelled(before);
    },
    async cancel() {
      const before = (await stats()).cancelled;
      const call = client.ServerStream({ count: -1, interval_ms: 10 }, { deadline: deadline(10) });
      const code = await new Promise((resolve) => {
        let seen = 0;
        call.on('data', () => { if (++seen === 2) call.cancel(); });
        call.on('error', (e) => resolve(e.code));
        call.on('end', () => resolve('end'));
      });
      expect(code === grpc.status.CANCELLED, `after cancel: ${code}`);
      await waitCancelled(before);
    },
    async oversize() {
      const payload = Buffer.alloc(5 * 1024 * 1024, 'z');
      await expectCode(unaryCall(client, 'Unary', { payload }, { deadline: deadline(10) }), grpc.status.RESOURCE_EXHAUSTED, '5 MiB request');
    },
  };
  if (health) {
    scenarios.health = async () => {
      const hc = new types.Health(target, grpc.credentials.createInsecure());
      const { reply } = await unaryCall(hc, 'Check', { service: '' }, { deadline: deadline(5) });
      expect(reply.status === 1, `status ${reply.status}, want SERVING`);
      await expectCode(unaryCall(hc, 'Check', { service: 'no.such.Service' }, { deadline: deadline(5) }), grpc.status.NOT_FOUND, 'unknown service');
      hc.close();
    };
  }
  const results = [];
  for (const [name, fn] of Object.entries(scenarios)) {
    try {
      await fn();
      results.push({ name, ok: true, detail: '' });
    } catch (e) {
      results.push({ name, ok: false, detail: `${e.constructor.name}: ${e.message}` });
    }
  }
  client.close();
  console.log(JSON.stringify({ results }));
}

const args = parseArgs(process.argv.slice(2));
const types = load(path.resolve(args.protos));
if (args.mode === 'server') {
  serve(types);
} else {
  runClient(types, args.target, !!args.health).then(() => process.exit(0), (e) => {
    console.error(e);
    process.exit(1);
  });
}
