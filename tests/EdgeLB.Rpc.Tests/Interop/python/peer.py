#!/usr/bin/python3
"""grpcio peer for the EdgeLB.Rpc interop tests (Debian python3-grpcio).

  peer.py server --descriptors FILE             serves edgelb.interop.v1.Interop on 127.0.0.1, prints
                                                "LISTENING <port>", runs until stdin closes or it is killed
  peer.py client --descriptors FILE --target HOST:PORT [--health]
                                                runs every scenario against the target and prints one
                                                JSON object {"results": [{"name", "ok", "detail"}]}

Messages are built at run time from a serialized FileDescriptorSet (grpcio-tools is not needed), and
calls use grpcio's generic handlers and multi-callables, so the wire behaviour is grpcio's own.
"""
import argparse
import json
import queue
import sys
import threading
import time
from concurrent import futures

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

PKG = "edgelb.interop.v1"
SERVICE = PKG + ".Interop"
CODES = {c.value[0]: c for c in grpc.StatusCode}


def load_messages(path):
    fds = descriptor_pb2.FileDescriptorSet()
    with open(path, "rb") as f:
        fds.ParseFromString(f.read())
    pool = descriptor_pool.DescriptorPool()
    for fd in fds.file:
        pool.AddSerializedFile(fd.SerializeToString())
    factory = message_factory.MessageFactory(pool)

    class Messages:
        pass

    m = Messages()
    for name in ["EchoRequest", "EchoReply", "StreamRequest", "Summary", "FailRequest", "SleepRequest",
                 "SleepReply", "Empty", "Stats"]:
        setattr(m, name, factory.GetPrototype(pool.FindMessageTypeByName(PKG + "." + name)))
    m.HealthCheckRequest = factory.GetPrototype(pool.FindMessageTypeByName("grpc.health.v1.HealthCheckRequest"))
    m.HealthCheckResponse = factory.GetPrototype(pool.FindMessageTypeByName("grpc.health.v1.HealthCheckResponse"))
    return m


def ser(msg):
    return msg.SerializeToString()


# ---------------------------------------------------------------------------------------------- server

class Servicer:
    def __init__(self, m):
        self.m = m
        self.lock = threading.Lock()
        self.cancelled = 0
        self.completed = 0

    def _count(self, done):
        with self.lock:
            if done["ok"]:
                self.completed += 1
            else:
                self.cancelled += 1

    def _track(self, ctx):
        done = {"ok": False}
        ctx.add_callback(lambda: self._count(done))
        return done

    def unary(self, req, ctx):
        md = dict(ctx.invocation_metadata())
        auth = md.get("authorization", "")
        token = auth[7:] if auth.lower().startswith("bearer ") else ""
        ctx.set_trailing_metadata((("x-trailer", "done"),))
        return self.m.EchoReply(message=req.message, payload=req.payload, authorization=token,
                                metadata=md.get("x-echo", ""))

    def server_stream(self, req, ctx):
        done = self._track(ctx)
        i = 0
        while req.count < 0 or i < req.count:
            yield self.m.EchoReply(index=i, payload=b"x" * req.payload_size)
            i += 1
            if req.interval_ms > 0:
                time.sleep(req.interval_ms / 1000.0)
        done["ok"] = True

    def client_stream(self, it, ctx):
        count, total, parts = 0, 0, []
        for req in it:
            count += 1
            total += len(req.payload)
            parts.append(req.message)
        return self.m.Summary(count=count, total_bytes=total, joined=",".join(parts))

    def bidi(self, it, ctx):
        for i, req in enumerate(it):
            yield self.m.EchoReply(message=req.message, payload=req.payload, index=i)

    def fail(self, req, ctx):
        ctx.set_trailing_metadata((("x-fail", "yes"),))
        ctx.abort(CODES[req.code], req.message)

    def sleep(self, req, ctx):
        done = self._track(ctx)
        end = time.monotonic() + req.milliseconds / 1000.0
        while time.monotonic() < end:
            if not ctx.is_active():
                return self.m.SleepReply(completed=False)
            time.sleep(0.005)
        done["ok"] = True
        return self.m.SleepReply(completed=True)

    def stats(self, req, ctx):
        with self.lock:
            return self.m.Stats(cancelled=self.cancelled, completed=self.completed)


def serve(m):
    s = Servicer(m)
    handlers = {
        "Unary": grpc.unary_unary_rpc_method_handler(s.unary, m.EchoRequest.FromString, ser),
        "ServerStream": grpc.unary_stream_rpc_method_handler(s.server_stream, m.StreamRequest.FromString, ser),
        "ClientStream": grpc.stream_unary_rpc_method_handler(s.client_stream, m.EchoRequest.FromString, ser),
        "Bidi": grpc.stream_stream_rpc_method_handler(s.bidi, m.EchoRequest.FromString, ser),
        "Fail": grpc.unary_unary_rpc_method_handler(s.fail, m.FailRequest.FromString, ser),
        "Sleep": grpc.unary_unary_rpc_method_handler(s.sleep, m.SleepRequest.FromString, ser),
        "GetStats": grpc.unary_unary_rpc_method_handler(s.stats, m.Empty.FromString, ser),
    }
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=32))
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, handlers),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print("LISTENING %d" % port, flush=True)
    # Exit with the parent: a closed stdin means the test that started us is gone.
    sys.stdin.read()
    server.stop(0)


# ---------------------------------------------------------------------------------------------- client

class Check(Exception):
    pass


def expect(cond, what):
    if not cond:
        raise Check(what)


def expect_code(fn, code, what):
    try:
        fn()
    except grpc.RpcError as e:
        expect(e.code() == code, "%s: expected %s, got %s (%s)" % (what, code, e.code(), e.details()))
        return e
    raise Check("%s: expected %s, the call succeeded" % (what, code))


def run_client(m, target, health):
    ch = grpc.insecure_channel(target)
    path = lambda name: "/%s/%s" % (SERVICE, name)
    unary = ch.unary_unary(path("Unary"), ser, m.EchoReply.FromString)
    server_stream = ch.unary_stream(path("ServerStream"), ser, m.EchoReply.FromString)
    client_stream = ch.stream_unary(path("ClientStream"), ser, m.Summary.FromString)
    bidi = ch.stream_stream(path("Bidi"), ser, m.EchoReply.FromString)
    fail = ch.unary_unary(path("Fail"), ser, m.Empty.FromString)
    sleep = ch.unary_unary(path("Sleep"), ser, m.SleepReply.FromString)
    stats = ch.unary_unary(path("GetStats"), ser, m.Stats.FromString)
    missing = ch.unary_unary(path("NoSuchMethod"), ser, m.Empty.FromString)

    def wait_cancelled(before):
        end = time.monotonic() + 10
        while time.monotonic() < end:
            if stats(m.Empty(), timeout=5).cancelled > before:
                return
            time.sleep(0.05)
        raise Check("the server never saw the call end early")

    def s_unary():
        reply, call = unary.with_call(m.EchoRequest(message="hello", payload=b"\x00\x01\xff"), timeout=5,
                                      metadata=(("authorization", "Bearer tok-123"), ("x-echo", "abc")))
        expect(reply.message == "hello" and reply.payload == b"\x00\x01\xff", "echo mismatch: %r" % reply)
        expect(reply.authorization == "tok-123", "bearer token not seen: %r" % reply.authorization)
        expect(reply.metadata == "abc", "x-echo not seen: %r" % reply.metadata)
        expect(("x-trailer", "done") in tuple(call.trailing_metadata()), "trailer missing: %r" % (call.trailing_metadata(),))

    def s_unary_large():
        payload = bytes(range(256)) * 4096  # 1 MiB
        reply = unary(m.EchoRequest(payload=payload), timeout=10)
        expect(reply.payload == payload, "1 MiB payload did not round-trip")

    def s_server_stream():
        replies = list(server_stream(m.StreamRequest(count=5, payload_size=10), timeout=5))
        expect([r.index for r in replies] == [0, 1, 2, 3, 4], "indices %r" % [r.index for r in replies])
        expect(all(len(r.payload) == 10 for r in replies), "payload sizes")

    def s_client_stream():
        reqs = iter([m.EchoRequest(message=str(i), payload=b"ab") for i in range(3)])
        summary = client_stream(reqs, timeout=5)
        expect(summary.count == 3 and summary.joined == "0,1,2" and summary.total_bytes == 6, "summary %r" % summary)

    def s_bidi():
        q = queue.Queue()

        def gen():
            while True:
                item = q.get()
                if item is None:
                    return
                yield item

        responses = bidi(gen(), timeout=10)
        for i in range(3):
            q.put(m.EchoRequest(message="m%d" % i))
            r = next(responses)
            expect(r.message == "m%d" % i and r.index == i, "bidi reply %d: %r" % (i, r))
        q.put(None)
        rest = list(responses)
        expect(rest == [], "extra replies %r" % rest)

    def s_fail():
        text = "précondition échouée à 100%"
        e = expect_code(lambda: fail(m.FailRequest(code=9, message=text), timeout=5),
                        grpc.StatusCode.FAILED_PRECONDITION, "Fail")
        expect(e.details() == text, "details %r" % e.details())
        expect(("x-fail", "yes") in tuple(e.trailing_metadata()), "trailers %r" % (e.trailing_metadata(),))

    def s_unimplemented():
        expect_code(lambda: missing(m.Empty(), timeout=5), grpc.StatusCode.UNIMPLEMENTED, "NoSuchMethod")

    def s_deadline():
        before = stats(m.Empty(), timeout=5).cancelled
        start = time.monotonic()
        expect_code(lambda: sleep(m.SleepRequest(milliseconds=10000), timeout=0.3),
                    grpc.StatusCode.DEADLINE_EXCEEDED, "Sleep past deadline")
        expect(time.monotonic() - start < 4, "deadline took %.2fs" % (time.monotonic() - start))
        wait_cancelled(before)

    def s_cancel():
        before = stats(m.Empty(), timeout=5).cancelled
        call = server_stream(m.StreamRequest(count=-1, interval_ms=10), timeout=10)
        next(call)
        next(call)
        call.cancel()
        expect_code(lambda: next(call), grpc.StatusCode.CANCELLED, "after cancel")
        wait_cancelled(before)

    def s_oversize():
        payload = b"z" * (5 * 1024 * 1024)
        expect_code(lambda: unary(m.EchoRequest(payload=payload), timeout=10),
                    grpc.StatusCode.RESOURCE_EXHAUSTED, "5 MiB request")

    def s_health():
        check = ch.unary_unary("/grpc.health.v1.Health/Check", ser, m.HealthCheckResponse.FromString)
        r = check(m.HealthCheckRequest(service=""), timeout=5)
        expect(r.status == 1, "status %d, want SERVING" % r.status)
        expect_code(lambda: check(m.HealthCheckRequest(service="no.such.Service"), timeout=5),
                    grpc.StatusCode.NOT_FOUND, "unknown service")

    scenarios = [("unary", s_unary), ("unary_large", s_unary_large), ("server_stream", s_server_stream),
                 ("client_stream", s_client_stream), ("bidi", s_bidi), ("fail", s_fail),
                 ("unimplemented", s_unimplemented), ("deadline", s_deadline), ("cancel", s_cancel),
                 ("oversize", s_oversize)]
    if health:
        scenarios.append(("health", s_health))
    results = []
    for name, fn in scenarios:
        try:
            fn()
            results.append({"name": name, "ok": True, "detail": ""})
        except Exception as e:  # noqa: BLE001 - every failure is a result to report
            results.append({"name": name, "ok": False, "detail": "%s: %s" % (type(e).__name__, e)})
    ch.close()
    print(json.dumps({"results": results}), flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["server", "client"])
    p.add_argument("--descriptors", required=True)
    p.add_argument("--target")
    p.add_argument("--health", action="store_true")
    a = p.parse_args()
    m = load_messages(a.descriptors)
    if a.mode == "server":
        serve(m)
    else:
        run_client(m, a.target, a.health)


if __name__ == "__main__":
    main()
