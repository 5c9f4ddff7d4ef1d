'use strict';
// grpc-js throughput client for hack/bench/rpc.sh; the server side is `node peer.js server`.
//
//   node bench.js --protos DIR --target HOST:PORT --mode unary|stream [--seconds S] [--concurrency C]
//
// Prints {"rps": N} (unary) or {"msgs_per_sec": N} (stream) for the measured window, after one
// warm-up second, like the .NET runner; "total" counts the warm-up too (for CPU per call) (tests/EdgeLB.Benchmarks, `rpc unary|stream`).
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const args = {};
for (let i = 2; i < process.argv.length; i += 2) {
  args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
}
const seconds = Number(args.seconds || 5);
const concurrency = Number(args.concurrency || 32);
const def = protoLoader.loadSync('interop.proto', { keepCase: true, longs: Number, defaults: true, includeDirs: [path.resolve(args.protos)] });
const Interop = grpc.loadPackageDefinition(def).edgelb.interop.v1.Interop;
const client = new Interop(args.target, grpc.credentials.createInsecure());

let count = 0;
let total = 0;
let measuring = false;
const started = Date.now();
const endAt = started + (seconds + 1) * 1000;
let windowStart = 0;
setTimeout(() => {
  count = 0;
  measuring = true;
  windowStart = Date.now();
}, 1000);

function unaryWorker() {
  const request = { message: 'bench', payload: Buffer.alloc(32) };
  return new Promise((resolve, reject) => {
    const next = () => {
      if (Date.now() >= endAt) {
        resolve();
        return;
      }
      client.Unary(request, (err) => {
        if (err) {
          reject(err);
          return;
        }
        total++;
        if (measuring) count++;
        next();
      });
    };
    next();
  });
}

function streamWorker() {
  return new Promise((resolve) => {
    const call = client.ServerStream({ count: -1, payload_size: 32 });
    call.on('data', () => {
      total++;
      if (measuring) count++;
    });
    call.on('error', () => resolve());
    call.on('end', () => resolve());
    setTimeout(() => call.cancel(), endAt - Date.now());
  });
}

const worker = args.mode === 'stream' ? streamWorker : unaryWorker;
Promise.all(Array.from({ length: concurrency }, worker)).then(() => {
  const elapsed = Math.min((Date.now() - windowStart) / 1000, seconds);
  const rate = Math.round(count / elapsed);
  console.log(JSON.stringify(args.mode === 'stream' ? { msgs_per_sec: rate, total } : { rps: rate, total }));
  client.close();
  process.exit(0);
}, (e) => {
  console.error(e);
  process.exit(1);
});
