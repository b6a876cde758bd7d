"""Unit tests of retention_graph_export's mapping, on small hand-made object graphs.

Run: python3 -m unittest discover -s python/tests   (from the repository root)
"""
import asyncio
import gc
import os
import sys
import tempfile
import tracemalloc
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

import retention_graph_export as rge  # noqa: E402
from snapshot_reader import Snapshot  # noqa: E402

# Frame and coroutine locals are read from CPython 3.11's object layout; elsewhere they are hidden
# edges (docs/python-exporter.md). Frame names carry co_qualname, which exists from 3.11 on.
FRAME_LOCALS = rge._LAYOUT.ok


def frame_prefix(qualname):
    """The start of a frame node's name: "frame <qualname> " (3.11+) or "frame <name> " (3.9, 3.10)."""
    return "frame %s " % (qualname if sys.version_info >= (3, 11) else qualname.rsplit(".", 1)[-1])


CALLS = {"repr": 0, "getattr": 0, "getattribute": 0, "sizeof": 0, "property": 0, "eq": 0, "hash": 0, "del": 0}


class Attributed(dict):
    """A dict subclass with attributes: both its items and its attributes must appear."""


class Slotted:
    __slots__ = ("slot_one", "slot_two", "slot_unset")

    def __init__(self):
        self.slot_one = "slot-one-value"
        self.slot_two = ["slot-two-list"]


class Booby:  # noqa: PLW1641
    """Every hook that could run user code counts its calls; the dumper must call none of them."""

    def __init__(self):
        self.payload = "booby-payload"

    def __repr__(self):
        CALLS["repr"] += 1
        raise RuntimeError("repr called")

    def __getattr__(self, name):
        CALLS["getattr"] += 1
        raise RuntimeError("getattr called")

    def __getattribute__(self, name):
        if name not in ("payload", "__dict__", "__class__"):
            CALLS["getattribute"] += 1
        return object.__getattribute__(self, name)

    def __sizeof__(self):
        CALLS["sizeof"] += 1
        return 10 ** 9

    def __eq__(self, other):
        CALLS["eq"] += 1
        return False

    def __hash__(self):
        CALLS["hash"] += 1
        return 1

    def __del__(self):
        CALLS["del"] += 1

    @property
    def prop(self):
        CALLS["property"] += 1
        return 1


class LinkedNode:
    def __init__(self, nxt):
        self.next = nxt


class CycleMember:
    def __init__(self):
        self.partner = None


class Unmaterialised:
    def __init__(self):
        self.kept = "kept-value"


class Partial:
    def __init__(self, extra):
        self.first = "partial-%s" % extra
        if extra:
            self.extra = ["extra-value"]
        self.last = 7.5


def dict_absent(obj):
    """True when obj's instance __dict__ has not been materialised (read from where each CPython
    version keeps it: Include/internal/pycore_object.h; this is the test's own reading, not the
    exporter's)."""
    import ctypes
    word = ctypes.c_void_p.from_address(id(obj) - 24).value or 0
    if sys.version_info[:2] == (3, 12):
        return bool(word & 1)  # the values pointer (tagged), not a dict
    if sys.version_info[:2] in ((3, 11), (3, 13)):
        return word == 0
    raise unittest.SkipTest("no known layout")


def dump_here(test, **options):
    d = tempfile.mkdtemp(prefix="rg-py-test-")
    path = os.path.join(d, "t.heapsnapshot")
    test.addCleanup(lambda: (os.path.exists(path) and os.remove(path), os.rmdir(d)))
    part = path + ".part"
    test.addCleanup(lambda: os.path.exists(part) and os.remove(part))
    summary = rge.dump(path, **options)
    return Snapshot(path), summary, path


def one(test, snap, name):
    found = snap.find(lambda n: n == name)
    test.assertEqual(len(found), 1, "exactly one node named %r, got %d" % (name, len(found)))
    return found[0]


class MappingTest(unittest.TestCase):
    def test_structure_and_counts(self):
        snap, summary, _ = dump_here(self)
        self.assertEqual(snap.name(0), "")
        self.assertEqual(snap.type(0), "synthetic")
        groups = [snap.name(to) for _, _, to in snap.edges(0)]
        self.assertIn(rge.GROUP_MODULES, groups)
        self.assertIn(rge.GROUP_STACKS, groups)
        self.assertIn(rge.GROUP_UNREACHABLE, groups)
        self.assertEqual(summary["nodes"], snap.count)
        self.assertEqual(summary["edges"], len(snap.raw["edges"]) // 3)
        self.assertEqual(snap.raw["snapshot"]["node_count"], snap.count)
        ids = [snap.node(n, snap.f_id) for n in range(snap.count)]
        self.assertEqual(len(set(ids)), len(ids))
        self.assertTrue(all(i % 2 == 1 for i in ids))
        modules = snap.group(rge.GROUP_MODULES)
        mod = snap.edge(modules, __name__, ("property",))
        self.assertEqual(snap.name(mod), "module " + __name__)
        # a class defined here, reached as a module global, with its methods from the merged type dict
        cls = snap.edge(mod, "Slotted", ("property",))
        self.assertEqual(snap.name(cls), "type %s.Slotted" % __name__)
        self.assertTrue(snap.name(snap.edge(cls, "__init__")).startswith("function Slotted.__init__ test_export.py:"))

    def test_dict_subclass_items_and_attributes(self):
        holder = Attributed(item_key="item-value-xyz")
        holder.attr_key = ["attr-list", ("tuple-first", "tuple-second")]
        snap, _, _ = dump_here(self)
        n = one(self, snap, "%s.Attributed" % __name__)
        item = snap.edge(n, "item_key", ("property",))
        self.assertEqual(snap.name(item), "item-value-xyz")
        self.assertEqual(snap.type(item), "string")
        attr = snap.edge(n, "attr_key", ("property",))
        self.assertEqual(snap.name(attr), "list")
        self.assertEqual(snap.name(snap.edge(attr, 0, ("element",))), "attr-list")
        tup = snap.edge(attr, 1, ("element",))
        self.assertEqual([snap.name(snap.edge(tup, k, ("element",))) for k in (0, 1)], ["tuple-first", "tuple-second"])
        del holder

    def test_shared_untracked_objects_are_one_node(self):
        # untracked (a tuple of str, a str, a float) and referenced from two places: one node each
        shared = tuple("shared-item-%d" % n for n in range(2))
        num = float(len(shared)) + 0.25
        holders = [["holder-one", shared, num], ["holder-two", shared, num]]
        del shared, num
        gc.collect()  # a collection untracks tuples of atomic values
        self.assertFalse(gc.is_tracked(holders[0][1]))
        snap, _, _ = dump_here(self)
        lists = [n for n in snap.find(lambda x: x == "list")
                 if snap.name(snap.edge(n, 0, ("element",)) or 0) in ("holder-one", "holder-two")]
        self.assertEqual(len(lists), 2)
        tuples = {snap.edge(n, 1, ("element",)) for n in lists}
        floats = {snap.edge(n, 2, ("element",)) for n in lists}
        self.assertEqual(len(tuples), 1)
        self.assertEqual(len(floats), 1)
        t = tuples.pop()
        self.assertEqual([snap.name(snap.edge(t, k, ("element",))) for k in (0, 1)], ["shared-item-0", "shared-item-1"])
        self.assertEqual(snap.name(floats.pop()), "2.25")
        self.assertEqual(len(snap.find(lambda x: x == "shared-item-0")), 1)
        del holders

    def test_slots(self):
        s = Slotted()
        snap, _, _ = dump_here(self)
        n = one(self, snap, "%s.Slotted" % __name__)
        self.assertEqual(snap.name(snap.edge(n, "slot_one", ("property",))), "slot-one-value")
        self.assertEqual(snap.name(snap.edge(n, "slot_two", ("property",))), "list")
        self.assertIsNone(snap.edge(n, "slot_unset"))
        del s

    def test_frame_locals_are_named(self):
        def inner():
            local_list = ["frame-local-marker"]
            local_str = "frame-local-string"  # noqa: F841
            snap, _, _ = dump_here(self)
            return snap, local_list

        snap, _ = inner()
        frames = snap.find(lambda n: n.startswith(frame_prefix("MappingTest.test_frame_locals_are_named.<locals>.inner")))
        self.assertEqual(len(frames), 1)
        f = frames[0]
        self.assertRegex(snap.name(f), r"^frame \S+ test_export\.py:\d+$")
        if FRAME_LOCALS:
            ll = snap.edge(f, "local_list", ("context",))
            self.assertEqual(snap.name(snap.edge(ll, 0)), "frame-local-marker")
            self.assertEqual(snap.name(snap.edge(f, "local_str", ("context",))), "frame-local-string")
        # the caller chain: f_back to this test method's frame, and the thread root reaches it
        back = snap.edge(f, "f_back", ("property",))
        self.assertTrue(snap.name(back).startswith(frame_prefix("MappingTest.test_frame_locals_are_named")))
        code = snap.edge(f, "f_code", ("internal",))
        self.assertIn(os.path.abspath(__file__), snap.name(code))
        stacks = snap.group(rge.GROUP_STACKS)
        self.assertIn(f, snap.reachable_from(stacks))
        self.assertTrue(any(v == "thread MainThread" for _, v, _ in snap.edges(stacks)))

    def test_other_thread_stack(self):
        import collections
        import threading
        ready, release = threading.Event(), threading.Event()

        def worker():
            worker_local = collections.deque(["thread-local-marker"])  # noqa: F841
            ready.set()
            release.wait(60)

        th = threading.Thread(target=worker, name="rg-test-worker")
        th.start()
        try:
            ready.wait(60)
            snap, _, _ = dump_here(self)
        finally:
            release.set()
            th.join(60)
        stacks = snap.group(rge.GROUP_STACKS)
        top = snap.edge(stacks, "thread rg-test-worker", ("property",))
        self.assertIsNotNone(top)
        f = top
        while f is not None and not snap.name(f).startswith(frame_prefix("MappingTest.test_other_thread_stack.<locals>.worker")):
            f = snap.edge(f, "f_back", ("property",))
        self.assertIsNotNone(f, "the worker's frame is on its thread's stack")
        if not FRAME_LOCALS:
            return
        dq = snap.edge(f, "worker_local", ("context",))
        self.assertEqual(snap.name(dq), "collections.deque")
        self.assertEqual(snap.name(snap.edge(dq, 0, ("element",))), "thread-local-marker")

    def test_finished_frame_in_traceback(self):
        class MarkedError(ValueError):
            pass

        def fails(arg_value):
            kept_local = ["traceback-local"]  # noqa: F841
            raise MarkedError("boom-for-test")

        try:
            fails("arg-for-traceback")
        except MarkedError as e:
            err = e
        snap, _, _ = dump_here(self)
        n = one(self, snap, "%s.MappingTest.test_finished_frame_in_traceback.<locals>.MarkedError" % __name__)
        tb = snap.edge(n, "__traceback__", ("property",))
        self.assertEqual(snap.name(tb), "traceback")
        frames = []
        while tb is not None:
            frames.append(snap.edge(tb, "tb_frame", ("property",)))
            tb = snap.edge(tb, "tb_next", ("property",))
        f = frames[-1]
        self.assertTrue(snap.name(f).startswith(frame_prefix("MappingTest.test_finished_frame_in_traceback.<locals>.fails")))
        if FRAME_LOCALS:
            self.assertEqual(snap.name(snap.edge(f, "arg_value", ("context",))), "arg-for-traceback")
            self.assertEqual(snap.name(snap.edge(snap.edge(f, "kept_local"), 0)), "traceback-local")
        args = snap.edge(n, "args", ("property",))
        self.assertEqual(snap.name(snap.edge(args, 0)), "boom-for-test")
        del err

    def test_suspended_coroutine_locals(self):
        async def suspended(param):
            coro_local = {"coro-key": "coro-value"}  # noqa: F841
            await asyncio.sleep(3600)

        loop = asyncio.new_event_loop()
        try:
            task = loop.create_task(suspended("coro-param"))
            loop.run_until_complete(asyncio.sleep(0))
            snap, _, _ = dump_here(self)
        finally:
            task.cancel()
            loop.run_until_complete(asyncio.gather(task, return_exceptions=True))
            loop.close()
        coros = snap.find(lambda n: n.startswith("coroutine MappingTest.test_suspended_coroutine_locals.<locals>.suspended "))
        self.assertEqual(len(coros), 1)
        c = coros[0]
        if FRAME_LOCALS:
            self.assertEqual(snap.name(snap.edge(c, "param", ("context",))), "coro-param")
            d = snap.edge(c, "coro_local", ("context",))
            self.assertEqual(snap.name(snap.edge(d, "coro-key")), "coro-value")
        self.assertIsNotNone(snap.edge(c, "cr_await"))
        # the Task holds its coroutine through a named C field
        tasks = snap.find(lambda n: n == "_asyncio.Task")
        self.assertTrue(any(snap.edge(t, "_coro") == c for t in tasks))

    def test_huge_int_has_no_repr_explosion(self):
        big = 10 ** 100000
        snap, _, _ = dump_here(self)
        names = snap.find(lambda n: n.startswith("int (") and "bits)" in n)
        self.assertTrue(names)
        self.assertTrue(all(len(snap.name(n)) < 40 for n in names))
        sizes = [snap.size(n) for n in names]
        self.assertIn(sys.getsizeof(big), sizes)
        del big

    def test_no_user_code_runs(self):
        b = Booby()
        for k in CALLS:
            CALLS[k] = 0
        snap, _, _ = dump_here(self)
        self.assertEqual(CALLS, dict.fromkeys(CALLS, 0))
        n = one(self, snap, "%s.Booby" % __name__)
        self.assertEqual(snap.name(snap.edge(n, "payload", ("property",))), "booby-payload")
        self.assertLess(snap.size(n), 10 ** 6)  # not the lying __sizeof__
        del b

    def test_instance_dict_is_not_materialised(self):
        if not rge._LAYOUT.ok:
            self.skipTest("no CPython 3.11-3.13 layout here")
        u = Unmaterialised()
        u.second = ["second-value"]
        self.assertTrue(dict_absent(u))
        snap, _, _ = dump_here(self)
        self.assertTrue(dict_absent(u), "dump created the instance's __dict__")
        self.assertNotIn(dict, [type(r) for r in gc.get_referents(u)])
        n = one(self, snap, "%s.Unmaterialised" % __name__)
        self.assertEqual(snap.name(snap.edge(n, "kept", ("property",))), "kept-value")
        self.assertEqual(snap.name(snap.edge(snap.edge(n, "second", ("property",)), 0)), "second-value")
        # and once it is materialised, the dict is still merged into its owner
        del snap  # its strings would be nodes of the next dump
        d = u.__dict__
        self.assertFalse(dict_absent(u))
        snap, _, _ = dump_here(self)
        n = one(self, snap, "%s.Unmaterialised" % __name__)
        self.assertEqual(snap.name(snap.edge(n, "kept", ("property",))), "kept-value")
        del u, d

    def test_partly_set_attributes_are_named(self):
        # an instance whose class set more attributes on other instances (some value slots empty)
        a, b = Partial(True), Partial(False)
        snap, _, _ = dump_here(self)
        for obj, want in ((a, ("first", "extra", "last")), (b, ("first", "last"))):
            marker = obj.first
            n = [x for x in snap.find(lambda s: s == "%s.Partial" % __name__)
                 if snap.type(x) == "object" and snap.name(snap.edge(x, "first") or 0) == marker]
            self.assertEqual(len(n), 1)
            props = [v for t, v, _ in snap.edges(n[0]) if t == "property"]
            self.assertEqual(tuple(props), want)
            self.assertFalse([v for t, v, _ in snap.edges(n[0]) if t == "hidden"])
        del a, b

    def test_deep_linked_list(self):
        head = None
        for _ in range(100000):
            head = LinkedNode(head)
        snap, _, _ = dump_here(self)
        nodes = snap.find(lambda n: n == "%s.LinkedNode" % __name__)
        self.assertEqual(len(nodes), 100000)
        # follow .next from the head: 100,000 hops
        starts = set(nodes) - {snap.edge(n, "next") for n in nodes}
        self.assertEqual(len(starts), 1)
        n, hops = starts.pop(), 1
        while True:
            nxt = snap.edge(n, "next", ("property",))
            if snap.name(nxt) != "%s.LinkedNode" % __name__:
                break
            n, hops = nxt, hops + 1
        self.assertEqual(hops, 100000)
        del head

    def test_gc_garbage_roots_under_saveall(self):
        gc.collect()
        old = gc.get_debug()
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            a, b = CycleMember(), CycleMember()
            a.partner, b.partner = b, a
            del a, b
            gc.collect()
            before = len(gc.garbage)
            snap, summary, _ = dump_here(self)
            gc.collect()
            self.assertEqual(len(gc.garbage), before, "the dump itself left cyclic garbage")
        finally:
            gc.set_debug(old)
            del gc.garbage[:]
        group = snap.group(rge.GROUP_GARBAGE)
        self.assertIsNotNone(group)
        self.assertEqual(summary["garbage"], before)
        members = snap.find(lambda n: n == "%s.CycleMember" % __name__)
        self.assertEqual(len(members), 2)
        targets = {to for _, _, to in snap.edges(group)}
        self.assertTrue(set(members) <= targets)
        m0, m1 = members
        self.assertEqual(snap.edge(m0, "partner"), m1)
        self.assertEqual(snap.edge(m1, "partner"), m0)
        # not reachable from modules or stacks: only through the gc.garbage group
        live = snap.reachable_from(0, skip={group, snap.group(rge.GROUP_UNREACHABLE)})
        self.assertNotIn(m0, live)

    def test_tracemalloc_traces(self):
        tracemalloc.start(1)
        try:
            traced = [Unmaterialised() for _ in range(3)]
            snap, _, _ = dump_here(self)
        finally:
            tracemalloc.stop()
        fi_fields = snap.raw["snapshot"]["meta"]["trace_function_info_fields"]
        infos = snap.raw["trace_function_infos"]
        self.assertTrue(snap.raw["trace_tree"])
        ids = [snap.node(n, snap.f_trace) for n in snap.find(lambda x: x == "%s.Unmaterialised" % __name__)]
        self.assertEqual(len(ids), 3)
        self.assertTrue(all(i > 0 for i in ids))
        # the leaf function info of that trace node names this file and the allocating line
        tree = snap.raw["trace_tree"]
        stack = [tree]
        leaf_fi = None
        while stack:
            t = stack.pop()
            if t[0] == ids[0]:
                leaf_fi = t[1]
            kids = t[4]
            for k in range(0, len(kids), 5):
                stack.append(kids[k:k + 5])
        self.assertIsNotNone(leaf_fi)
        row = infos[leaf_fi * len(fi_fields):(leaf_fi + 1) * len(fi_fields)]
        self.assertEqual(snap.strings[row[2]], os.path.abspath(__file__))
        self.assertTrue(snap.strings[row[1]].startswith("test_export.py:"))
        del traced

    def test_traced_dump_leaves_the_profiler_as_it_was(self):
        # a traced dump on 3.11 sets a no-op profiler for a moment (line arrays for the dumper's code);
        # with no profiler before, none after; a profiler already running stays, and keeps seeing calls
        import cProfile
        import pstats
        tracemalloc.start(1)
        try:
            self.assertIsNone(sys.getprofile())
            snap, _, _ = dump_here(self)
            self.assertIsNone(sys.getprofile())
            has_traces = bool(snap.raw["trace_tree"])
            del snap  # the parsed snapshot would double the next dump's heap
            prof = cProfile.Profile()
            prof.enable()
            try:
                # 3.12+: cProfile hooks in through sys.monitoring, and sys.getprofile() stays None
                before = sys.getprofile()
                self.assertIs(before, prof if sys.version_info < (3, 12) else None)
                dump_here(self)
                still = sys.getprofile() is before
            finally:
                prof.disable()
        finally:
            tracemalloc.stop()
        self.assertTrue(still, "the user's profiler is still the one set")
        seen = {fn for (_, _, fn) in pstats.Stats(prof).stats}
        self.assertIn("_dump", seen)
        self.assertTrue(has_traces)

    def test_dumper_objects_absent(self):
        snap, _, _ = dump_here(self)
        bad = snap.find(lambda n: n.startswith("frame dump ") or n.startswith("frame _dump ")
                        or n.startswith("frame _Dumper.") or n == "retention_graph_export._Dumper")
        self.assertEqual(bad, [])

    def test_deterministic_for_the_same_heap(self):
        gc.collect()
        was = gc.isenabled()
        gc.disable()
        d = tempfile.mkdtemp(prefix="rg-py-test-")
        p1, p2 = os.path.join(d, "a.heapsnapshot"), os.path.join(d, "b.heapsnapshot")
        self.addCleanup(lambda: [os.remove(p) for p in (p1, p2) if os.path.exists(p)] and os.rmdir(d))
        try:
            # a first dump in a process lets CPython create its lazy one-time objects (argument
            # parser keyword tuples of the calls the dumper makes); then the heap is the same
            rge.dump(p1)
            # one line: the calling frame's line number is part of the heap; summaries are dropped
            rge.dump(p1); os.replace(p1, p2); rge.dump(p1)  # noqa: E702
            with open(p1, "rb") as f1, open(p2, "rb") as f2:
                b1, b2 = f1.read(), f2.read()
        finally:
            if was:
                gc.enable()
        # the title carries nothing variable but the pid; the rest must be byte-identical
        self.assertGreater(len(b1), 10000)
        self.assertEqual(len(b1), len(b2))
        if b1 != b2:
            k = next(k for k in range(len(b1)) if b1[k] != b2[k])
            self.fail("two dumps of the same heap differ at byte %d: %r / %r" % (k, b1[k - 80:k + 40], b2[k - 80:k + 40]))



class EntryPointTest(unittest.TestCase):
    @unittest.skipUnless(hasattr(__import__("signal"), "SIGUSR2"), "no SIGUSR2")
    def test_signal_handler_dumps_the_interrupted_stack(self):
        import signal
        d = tempfile.mkdtemp(prefix="rg-py-sig-")
        old = rge.install_signal_handler(signal.SIGUSR2, d)
        try:
            marker_local = ["signal-marker"]  # noqa: F841
            os.kill(os.getpid(), signal.SIGUSR2)
        finally:
            signal.signal(signal.SIGUSR2, old)
        files = os.listdir(d)
        self.addCleanup(lambda: [os.remove(os.path.join(d, f)) for f in os.listdir(d)] and os.rmdir(d))
        self.assertEqual(len(files), 1)
        self.assertRegex(files[0], r"^Heap\.\d{8}\.\d{6}\.%d\.0\.\d{3}\.heapsnapshot$" % os.getpid())
        snap = Snapshot(os.path.join(d, files[0]))
        stacks = snap.group(rge.GROUP_STACKS)
        top = snap.edge(stacks, "thread MainThread")
        self.assertTrue(snap.name(top).startswith(frame_prefix("EntryPointTest.test_signal_handler_dumps_the_interrupted_stack")),
                        snap.name(top))
        if FRAME_LOCALS:
            self.assertEqual(snap.name(snap.edge(snap.edge(top, "marker_local", ("context",)), 0)), "signal-marker")
        self.assertEqual(snap.find(lambda n: n.startswith("frame install_signal_handler.<locals>._on_signal")), [])

    def test_dump_after_asyncio_futures_leaves_the_interpreter_sound(self):
        # 3.12's _asyncio module hands out its freed future iterators to gc.get_referents; a dump
        # that released them again left a cyclic free list, and the process hung at exit
        import subprocess
        d = tempfile.mkdtemp(prefix="rg-py-aio-")
        out = os.path.join(d, "aio.heapsnapshot")
        self.addCleanup(lambda: [os.remove(os.path.join(d, f)) for f in os.listdir(d)] and os.rmdir(d))
        code = ("import asyncio, gc, sys\n"
                "import retention_graph_export as rge\n"
                "async def main():\n"
                "    loop = asyncio.get_running_loop()\n"
                "    for _ in range(5):\n"
                "        f = loop.create_future(); loop.call_soon(f.set_result, 1); await f\n"
                "asyncio.run(main())\n"
                "rge.dump(sys.argv[1])\n"
                "asyncio.run(main())\n"
                "gc.collect()\n"
                "print('done')\n")
        env = dict(os.environ, PYTHONPATH=os.path.dirname(HERE))
        r = subprocess.run([sys.executable, "-c", code, out], env=env, capture_output=True, text=True, timeout=300)
        self.assertEqual((r.returncode, r.stdout.strip()), (0, "done"), r.stderr)
        snap = Snapshot(out)
        aio = snap.edge(snap.group(rge.GROUP_MODULES), "_asyncio")
        self.assertEqual(snap.name(aio), "module _asyncio")
        self.assertIsNotNone(snap.edge(aio, "Future", ("property",)))

    def test_run_module_runs_the_script_and_dumps_at_exit(self):
        import subprocess
        d = tempfile.mkdtemp(prefix="rg-py-main-")
        script = os.path.join(d, "app.py")
        out = os.path.join(d, "exit.heapsnapshot")
        self.addCleanup(lambda: [os.remove(os.path.join(d, f)) for f in os.listdir(d)] and os.rmdir(d))
        with open(script, "w") as fh:
            fh.write("import sys\nclass Kept:\n    pass\nkept = Kept()\nkept.args = sys.argv[1:]\nsys.exit(3)\n")
        env = dict(os.environ, PYTHONPATH=os.path.dirname(HERE))
        r = subprocess.run([sys.executable, "-m", "retention_graph_export", "--signal", "none", "-o", out, script,
                            "one", "two"], env=env, capture_output=True, text=True, timeout=600)
        self.assertEqual(r.returncode, 3, r.stderr)
        snap = Snapshot(out)
        main = snap.edge(snap.group(rge.GROUP_MODULES), "__main__")
        kept = snap.edge(main, "kept", ("property",))
        self.assertEqual(snap.name(kept), "__main__.Kept")
        args = snap.edge(kept, "args")
        self.assertEqual([snap.name(snap.edge(args, k)) for k in (0, 1)], ["one", "two"])


if __name__ == "__main__":
    unittest.main()
