"""Write the live Python heap as a V8 ``.heapsnapshot`` (Chrome DevTools and Retention Graph read it).

Stdlib only, Python 3.9+. Three entry points:

* ``dump(path, *, include_garbage=True, trace=True)`` writes one snapshot and returns a summary;
* ``install_signal_handler(signum=signal.SIGUSR2, directory=".")`` dumps on a signal, like Node's
  ``--heapsnapshot-signal``;
* ``python -m retention_graph_export [options] script.py args...`` runs a script and dumps at exit
  (and on the signal).

The file follows docs/python-snapshot.md (root groups "(Python modules)", "(Python thread stacks)",
"(Python gc.garbage)", "(Python unreachable)"; instance ``__dict__`` merged into its owner; frame
locals as ``context`` edges; unnamed referents as ``hidden`` edges, never dropped).

The dumper does not change the heap it describes, as far as CPython lets it: it runs no user code
(type attributes are read through ``type``'s own descriptors, exception fields through
``BaseException``'s, no ``repr``/``getattr`` on unknown objects, ``sys.getsizeof`` only where
``__sizeof__`` is C code), it never reads ``obj.__dict__`` or ``frame.f_locals`` (both create
objects in 3.11-3.13): on CPython 3.11, 3.12 and 3.13 instance attributes kept inline ("managed
dict" values) and frame locals are read with ``ctypes`` from the object layout (probed at import;
any disagreement turns it off), and every address read that way is checked against
``gc.get_referents`` before it is used. Elsewhere those references still appear, as hidden
edges. The only heap change is that thread stacks' frame objects are materialised (``f_back``),
as any traceback would. The cyclic GC is disabled while dumping (no finalizer runs).
"""

import gc
from itertools import compress, repeat
from operator import rshift
from sys import getrefcount
import json
import os
import signal
import shutil
import sys
import tempfile
import threading
import time
import tracemalloc

__all__ = ["dump", "install_signal_handler", "main"]

_json_str = json.encoder.encode_basestring_ascii  # C implementation when available
_type_dict = type.__dict__
_t_qualname = _type_dict["__qualname__"].__get__
_t_module = _type_dict["__module__"].__get__
_t_mro_raw = _type_dict["__mro__"].__get__


def _t_mro(t):
    """t.__mro__ read through type's descriptor; () for a static type not yet readied (3.9, 3.10:
    its tp_mro is still NULL)."""
    return _t_mro_raw(t) or ()


_t_flags = _type_dict["__flags__"].__get__
_t_dictoffset = _type_dict["__dictoffset__"].__get__
_t_basicsize = _type_dict["__basicsize__"].__get__
_exc_getters = tuple(
    (name, BaseException.__dict__[name].__get__) for name in ("args", "__traceback__", "__context__", "__cause__")
)
_get_referents = gc.get_referents
_getsizeof = sys.getsizeof

# V8's enums, exactly as Node writes them (extension/core/model.ts V8_NODE_TYPES / V8_EDGE_TYPES).
NODE_TYPES = ["hidden", "array", "string", "object", "code", "closure", "regexp", "number", "native",
              "synthetic", "concatenated string", "sliced string", "symbol", "bigint", "object shape"]
EDGE_TYPES = ["context", "element", "property", "internal", "hidden", "shortcut", "weak"]
N_HIDDEN, N_ARRAY, N_STRING, N_OBJECT, N_CODE, N_CLOSURE = 0, 1, 2, 3, 4, 5
N_NUMBER, N_NATIVE, N_SYNTHETIC = 7, 8, 9
E_CONTEXT, E_ELEMENT, E_PROPERTY, E_INTERNAL, E_HIDDEN, E_WEAK = 0, 1, 2, 3, 4, 6
E_NAME_ONLY = -1  # marks a referent already described by an edge name (a dict subclass's str keys)
NAME_LIMIT = 1000  # characters of a str value kept as a node name

GROUP_MODULES = "(Python modules)"
GROUP_STACKS = "(Python thread stacks)"
GROUP_GARBAGE = "(Python gc.garbage)"
GROUP_UNREACHABLE = "(Python unreachable)"

FunctionType = type(lambda: None)
CodeType = type((lambda: None).__code__)
ModuleType = type(sys)
FrameType = type(sys._getframe())
CellType = type((lambda x: lambda: x)(0).__closure__[0])
try:
    raise ValueError
except ValueError:
    TracebackType = type(sys.exc_info()[2])


class _C:
    def m(self):
        pass


MethodType = type(_C().m)
del _C
GeneratorType = type((lambda: (yield))())


async def _coro_probe():
    pass


_c = _coro_probe()
CoroutineType = type(_c)
_c.close()
del _c
WeakrefType = type(__import__("weakref").ref(GROUP_MODULES.__class__))
_weakref_call = WeakrefType.__call__
_cell_get = CellType.__dict__["cell_contents"].__get__
_MemberDescriptor = type(FunctionType.__dict__["__globals__"])


# ---------------------------------------------------------------------------------------------
# CPython 3.11-3.13 object layouts, probed at import time and disabled when a probe disagrees.
# ---------------------------------------------------------------------------------------------
class _LayoutProbe:
    """Probe classes for _Layout (module level: probing leaves no cyclic garbage behind)."""

    class Inner:
        def __init__(self):
            self.alpha = "a-value"
            self.beta = [1]


# Offsets of CPython's private structures (Include/internal/pycore_frame.h, cpython/genobject.h of
# each version; 64-bit builds): _PyInterpreterFrame's code object, frame_obj, owner (0: a thread
# runs it) and localsplus; PyGenObject's gi_frame_state (int8) and gi_iframe. PyFrameObject.f_frame
# is at +24 in all three. Every one is checked by _Layout._probe() before use.
_OFFSETS = {
    (3, 11): {"code": 32, "frame_obj": 40, "owner": 69, "localsplus": 72, "gen_state": 75, "gen_iframe": 80},
    (3, 12): {"code": 0, "frame_obj": 48, "owner": 70, "localsplus": 72, "gen_state": 67, "gen_iframe": 72},
    (3, 13): {"code": 0, "frame_obj": 48, "owner": 70, "localsplus": 72, "gen_state": 67, "gen_iframe": 72},
}


class _Layout:
    """Reads managed instance attributes, frame locals and generator locals on CPython 3.11-3.13.

    Where an instance without a materialised __dict__ keeps its attribute values (the "managed dict"):
    3.11: values pointer at -32, dict pointer at -24 (Include/internal/pycore_object.h);
    3.12: one word at -24, the dict, or the values pointer minus 1 (odd: _PyDictOrValues_IsValues);
    3.13: dict pointer at -24; with Py_TPFLAGS_INLINE_VALUES the values follow the object at
    tp_basicsize (PyDictValues: capacity, size, embedded, valid bytes, then the values), used while
    their `valid` byte is set (a materialised dict then shares them, and gc visits the values).
    The attribute names are the type's shared keys (ht_cached_keys, found next to ht_qualname).
    """

    ok = False

    def __init__(self):
        try:
            import ctypes
        except ImportError:  # pragma: no cover
            return
        self.version = sys.version_info[:2]
        if sys.implementation.name != "cpython" or self.version not in _OFFSETS or \
                ctypes.sizeof(ctypes.c_void_p) != 8:
            return
        off = _OFFSETS[self.version]
        self.o_code, self.o_frame_obj, self.o_owner = off["code"], off["frame_obj"], off["owner"]
        self.o_localsplus, self.o_gen_state, self.o_gen_iframe = off["localsplus"], off["gen_state"], off["gen_iframe"]
        self.ctypes = ctypes
        self._keys_cache = {}
        self._basicsize = {}
        try:
            # One view over the user address space: reading a word is an index, not a ctypes call.
            space = (ctypes.c_char * (1 << 47)).from_address(0)
            self.memb = memoryview(space).cast("B")
            self.mem = self.memb.cast("Q")
            self._probe()
            self.ok = True
        except Exception:  # any disagreement: fall back to hidden edges
            self.ok = False

    def rd(self, addr):
        """The pointer-sized word at addr (addr is 8-aligned)."""
        return self.mem[addr >> 3]

    def _probe(self):
        P = _LayoutProbe.Inner
        # ht_qualname is the only slot of the type holding the qualname object; ht_cached_keys follows.
        q = id(_t_qualname(P))
        offs = [o for o in range(0, _t_basicsize(type), 8) if self.rd(id(P) + o) == q]
        if len(offs) != 1:
            raise RuntimeError("qualname slot")
        self.keys_off = offs[0] + 8
        self.MANAGED = 1 << 4
        inst = P()
        if not _t_flags(P) & self.MANAGED:
            raise RuntimeError("managed dict flag")
        names = self.key_names(self.rd(id(P) + self.keys_off))
        if names[:2] != ("alpha", "beta"):
            raise RuntimeError("keys")
        dict_addr, vp = self.managed(id(inst), P)
        if dict_addr or not vp or self.words(vp, 2) != [id(inst.alpha), id(inst.beta)]:
            raise RuntimeError("values")
        # a materialised dict is found where the layout says (on a second instance: the probe's
        # own objects are left as they were)
        other = P()
        d = other.__dict__
        dict_addr, vp = self.managed(id(other), P)
        if self.version != (3, 13) and (dict_addr != id(d) or vp):
            raise RuntimeError("materialised dict")
        if self.version == (3, 13) and self.rd(id(other) - 24) != id(d):
            raise RuntimeError("materialised dict")
        del d, other

        def f(a, b):
            c = (a, b)
            return sys._getframe(), c

        fr, c = f("x-value", 5)
        fa = self.rd(id(fr) + 24)
        if self.rd(fa + self.o_code) != id(f.__code__):
            raise RuntimeError("frame code")
        loc = self.frame_locals(fa, f.__code__)
        ok = [n for n, _ in loc] == ["a", "b", "c"] and [v for _, v in loc] == [id("x-value"), id(5), id(c)]
        fr.clear()
        del fr  # fr.f_back is this frame: drop the cycle before returning
        if not ok:
            raise RuntimeError("frame locals")
        # the running frame (this one) is owned by the thread
        me = sys._getframe()
        fa = self.rd(id(me) + 24)
        if self.rd(fa + self.o_code) != id(me.f_code) or self.memb[fa + self.o_owner] != 0:
            raise RuntimeError("running frame")
        del me

        def g(x):
            y = [x]
            yield y

        gen = g("gen-value")
        next(gen)
        ia = id(gen) + self.o_gen_iframe
        if self.rd(ia + self.o_code) != id(g.__code__) or self.memb[id(gen) + self.o_gen_state] < 0x80:
            raise RuntimeError("generator frame")
        loc = self.frame_locals(ia, g.__code__)
        if [n for n, _ in loc] != ["x", "y"] or loc[0][1] != id("gen-value"):
            raise RuntimeError("generator locals")
        gen.close()
        self._keys_cache.clear()
        self._basicsize.clear()
        _names_cache.clear()

    def key_names(self, keys):
        """Names of a shared-keys object (PyDictKeysObject, unicode entries), in slot order."""
        ctypes = self.ctypes
        log2_index_bytes = self.memb[keys + 9]
        kind = self.memb[keys + 10]
        if kind != 2:  # DICT_KEYS_SPLIT
            raise RuntimeError("not split keys")
        n = self.rd(keys + 24)
        ent = keys + 32 + (1 << log2_index_bytes)
        ptrs = self.words(ent, 2 * n)[0::2]
        if any(p >= 1 << 47 for p in ptrs):
            raise RuntimeError("address beyond the mapped view")
        cast = ctypes.cast
        pyobj = ctypes.py_object
        out = []
        for p in ptrs:
            k = cast(p, pyobj).value if p else None
            if type(k) is not str:
                raise RuntimeError("non-str shared key")
            out.append(k)
        return tuple(out)

    def words(self, addr, n):
        """n pointer-sized words at addr, as ints."""
        a = addr >> 3
        return self.mem[a:a + n].tolist()

    def managed(self, a, t):
        """(dict address, values address) of the managed-dict instance at address a of type t (0: none)."""
        v = self.version
        if v == (3, 11):
            d = self.mem[(a - 24) >> 3]
            return d, (0 if d else self.mem[(a - 32) >> 3])
        if v == (3, 12):
            w = self.mem[(a - 24) >> 3]
            return (0, w + 1) if w & 1 else (w, 0)
        # 3.13
        if _t_flags(t) & (1 << 2):  # Py_TPFLAGS_INLINE_VALUES
            bs = self._basicsize.get(t)
            if bs is None:
                bs = self._basicsize[t] = _t_basicsize(t)
            if self.memb[a + bs + 3]:  # valid
                return 0, a + bs + 8
        return self.mem[(a - 24) >> 3], 0

    def instance_attrs(self, obj, t):
        """(names, value addresses) of a managed-dict instance whose dict is not materialised, or None."""
        keys = self.rd(id(t) + self.keys_off)
        if not keys:
            return None
        n = self.rd(keys + 24)
        ck = (keys, n)
        names = self._keys_cache.get(ck)
        if names is None:
            names = self._keys_cache[ck] = self.key_names(keys)
        d, vp = self.managed(id(obj), t)
        if d or not vp:
            return None
        return names, self.words(vp, n)

    def frame_locals(self, fa, code):
        """[(name, address)] of an interpreter frame's fast locals (cells and free vars included)."""
        names = _localsplus_names(code)
        if not names:
            return []
        return list(zip(names, self.words(fa + self.o_localsplus, len(names))))


_names_cache = {}


def _localsplus_names(code):
    names = _names_cache.get(code)
    if names is None:
        out = []
        getter = getattr(code, "_varname_from_oparg", None)
        if getter is not None:
            i = 0
            while True:
                try:
                    out.append(getter(i))
                except Exception:
                    break
                i += 1
        names = _names_cache[code] = tuple(out)
    return names


_LAYOUT = _Layout()


def _type_name(t):
    """Qualified name of a type without running user code ("aiohttp.web_request.Request", "dict")."""
    try:
        q = _t_qualname(t)
    except Exception:
        q = None
    if type(q) is not str:
        q = "?"
    try:
        m = _t_module(t)
    except Exception:
        m = None
    if type(m) is str and m != "builtins":
        return m + "." + q
    return q


def _basename(path):
    if type(path) is not str:
        return "?"
    i = max(path.rfind("/"), path.rfind("\\"))
    return path[i + 1:] if i >= 0 else path


def _safe_sizeof_for(t):
    """True when ``__sizeof__`` of type t resolves to C code (calling sys.getsizeof runs no user code)."""
    for k in _t_mro(t):
        d = _type_dict["__dict__"].__get__(k)
        if "__sizeof__" in d:
            return type(d["__sizeof__"]).__name__ in ("method_descriptor", "wrapper_descriptor",
                                                      "builtin_function_or_method")
    return True


_MethodDescriptor = type(str.__dict__["__sizeof__"])


def _sizeof_for(t, o):
    """(function, bytes added) giving sys.getsizeof(x) as function(x) + bytes for any x of type t (o is one).

    sys.getsizeof looks ``__sizeof__`` up, binds it, calls it and adds the GC header (and, from 3.12,
    the pre-header): both additions depend on the type only -- but for metatypes, whose static and
    heap instances differ -- so a C ``__sizeof__`` method called directly gives the same number
    without the lookup and the bound method. A ``__sizeof__`` written in Python is never run: then
    object.__sizeof__ alone, as before."""
    if not _safe_sizeof_for(t):
        return object.__sizeof__, 0
    if not issubclass(t, type):
        for k in _t_mro(t):
            desc = _type_dict["__dict__"].__get__(k).get("__sizeof__")
            if desc is not None:
                if type(desc) is _MethodDescriptor:
                    return desc, _getsizeof(o) - desc(o)
                break
    return _getsizeof, 0


# kinds of per-type handling; the leaves (no edges, named by their value) come first: kind < K_LEAF_END.
# K_REPR: float, complex, bool, None, Ellipsis, NotImplemented (named by their C repr).
K_STR, K_INT, K_REPR, K_BYTES, K_TUPLE, K_LIST, K_DICT, K_INSTANCE, K_SET, K_FUNC, K_CODE, K_FRAME, K_TB, \
    K_CELL, K_MODULE, K_TYPE, K_GEN, K_METHOD, K_WEAKREF, K_OTHER = range(20)
K_LEAF_END = K_TUPLE

_EXACT_KINDS = {
    str: K_STR, int: K_INT, bool: K_REPR, float: K_REPR, complex: K_REPR, tuple: K_TUPLE, list: K_LIST,
    dict: K_DICT, set: K_SET, frozenset: K_SET, FunctionType: K_FUNC, CodeType: K_CODE, FrameType: K_FRAME,
    TracebackType: K_TB, CellType: K_CELL, ModuleType: K_MODULE, GeneratorType: K_GEN, CoroutineType: K_GEN,
    MethodType: K_METHOD, bytes: K_BYTES, bytearray: K_BYTES, type(None): K_REPR, type(Ellipsis): K_REPR,
    type(NotImplemented): K_REPR,
}


async def _async_gen_probe():
    yield 1


_EXACT_KINDS[type(_async_gen_probe())] = K_GEN
_EXACT_KINDS[__import__("collections").deque] = K_LIST  # list(deque) is C code: items in order


class _Dumper:
    """One dump: the walk and the streaming writer. All state lives here, never in module globals."""

    def __init__(self, objects, excluded, include_garbage, trace):
        self.objects = objects
        self.include_garbage = include_garbage
        self.tracemalloc = tracemalloc
        self.trace = bool(trace) and tracemalloc.is_tracing()
        self.excluded = excluded
        # strings: deduplicated names (type names, edge names) + one fresh slot per str value
        self.strings_out = []  # pending strings (encoded at flush); string index = sbase + position
        self.strings_written = False
        self.sbase = 0
        self.names = {}
        self.tinfo = {}
        # trace tree
        self.tb_ids = {}
        self.tnode_children = {}  # (parent id, function index) -> trace node id
        self.tnode_rows = [(0, 0, 0)]  # per trace node id-1: (parent, function index, unused)
        self.tnode_count = [0]
        self.tnode_size = [0]
        self.fn_index = {("(root)", "", 0): 0}
        self.fn_rows = [("(root)", "", 0)]
        self.scripts = {"": 0}
        self.name("")  # string 0 is ""

    def flush_strings(self):
        pending = self.strings_out
        if pending:
            # JSON literals 2,048 strings at a time: one join over a whole chunk's strings is about
            # twice as slow (its temporaries outgrow the CPU caches)
            write = self.string_tmp.write
            sep = b",\n" if self.strings_written else b""
            for a in range(0, len(pending), 2048):
                write(sep)
                write(",\n".join(map(_json_str, pending[a:a + 2048])).encode())
                sep = b",\n"
            self.sbase += len(pending)
            self.strings_written = True
            del pending[:]

    def name(self, s):
        i = self.names.get(s)
        if i is None:
            i = self.names[s] = self.sbase + len(self.strings_out)
            self.strings_out.append(s)
        return i

    def value_string(self, s):
        i = self.sbase + len(self.strings_out)
        self.strings_out.append(s if len(s) <= NAME_LIMIT else s[:NAME_LIMIT] + "\u2026")
        return i

    def type_info(self, t, o):
        """(kind, node type, name index, sizeof function, slot descriptors, dict offset, managed, is an
        exception, dict / list or tuple / set subclass, C field getters, managed attribute fast path,
        bytes added to the sizeof function's result), for type t of object o."""
        kind = _EXACT_KINDS.get(t)
        flags = _t_flags(t)
        if kind is None:
            if issubclass(t, type):
                kind = K_TYPE
            elif issubclass(t, WeakrefType):
                kind = K_WEAKREF
            else:
                kind = K_INSTANCE
        ntype = N_OBJECT
        if kind in (K_STR, K_BYTES):
            ntype = N_STRING
        elif kind in (K_INT, K_REPR):
            ntype = N_NUMBER
        elif kind == K_FUNC:
            ntype = N_CLOSURE
        elif kind == K_CODE:
            ntype = N_CODE
        slots = []
        if kind in (K_INSTANCE, K_WEAKREF):
            for k in _t_mro(t):
                d = _type_dict["__dict__"].__get__(k)
                for key, v in d.items():
                    if type(v) is _MemberDescriptor and type(key) is str and key not in ("__weakref__",):
                        # only slots declared by Python classes (C members are read elsewhere)
                        if _t_flags(k) & (1 << 9):  # Py_TPFLAGS_HEAPTYPE
                            slots.append((key, v.__get__))
        try:
            dictoffset = _t_dictoffset(t)
        except Exception:
            dictoffset = 0
        managed = bool(_LAYOUT.ok and (flags & (1 << 4)))
        sizeof, sizeof_add = _sizeof_for(t, o)
        if kind < K_LEAF_END and sizeof_add:  # the walk adds nothing to a leaf's sizeof
            sizeof, sizeof_add = _getsizeof, 0
        info = (kind, ntype, self.name(_type_name(t)), sizeof, tuple(slots), dictoffset, managed,
                issubclass(t, BaseException), issubclass(t, dict), issubclass(t, (list, tuple)),
                issubclass(t, (set, frozenset)), _c_field_getters(t), None, sizeof_add)
        if kind == K_INSTANCE and managed and not slots and not any(info[7:12]):
            keys = _LAYOUT.rd(id(t) + _LAYOUT.keys_off)
            if keys:
                try:
                    anames = _LAYOUT.key_names(keys)
                except RuntimeError:
                    anames = None
                if anames is not None:
                    # edge rows' "type,name," texts: the attributes in slot order, then __class__
                    fast = (len(anames), ["%d,%d," % (E_PROPERTY, self.name(a)) for a in anames] +
                            ["%d,%d," % (E_INTERNAL, self.name("__class__"))], None, {})
                    info = info[:12] + (fast,) + info[13:]
        self.tinfo[t] = info
        return info

    # --- tracemalloc -----------------------------------------------------------------------
    def trace_id(self, obj, size, managed):
        """Trace node id of obj's allocation traceback (0 when tracemalloc has none); counts obj."""
        if managed and _raw_traceback is not None:
            # 3.11's get_object_traceback misses the 2-word pre-header of managed-dict instances
            frames = _raw_traceback(0, id(obj) - 32)
        else:
            frames = _tracemalloc_raw(obj)
        if frames is None:
            return 0
        tid = self.tb_ids.get(frames)
        if tid is None:
            parent = 1  # the "(root)" trace node
            for fkey in reversed(frames):  # raw tracebacks are most recent first
                fi = self.fn_index.get(fkey)
                if fi is None:
                    fi = self.fn_index[fkey] = len(self.fn_rows)
                    self.fn_rows.append(fkey)
                ck = (parent, fi)
                child = self.tnode_children.get(ck)
                if child is None:
                    child = self.tnode_children[ck] = len(self.tnode_rows) + 1
                    self.tnode_rows.append((parent, fi, 0))
                    self.tnode_count.append(0)
                    self.tnode_size.append(0)
                parent = child
            tid = self.tb_ids[frames] = parent
        self.tnode_count[tid - 1] += 1
        self.tnode_size[tid - 1] += size
        return tid

    # --- the walk --------------------------------------------------------------------------
    def run(self, out, edge_tmp):
        """Walks the heap breadth first from the root groups, writing nodes to `out` as it goes."""
        if out is None:  # _warm_line_arrays: only enter and leave
            return
        objects = self.objects
        # id(obj) >> 4 -> node ordinal (also: merged dict -> owner ordinal). Keys are addresses / 16:
        # distinct live objects are at least 16 bytes apart, so the key is unique, and unlike the
        # address (16-aligned, low 4 bits always 0) its low bits spread over the dict's slots (a
        # lookup probes about half as often as with id(obj) itself).
        index = {}
        excluded = {a >> 4 for a in self.excluded}  # dumper-owned objects: never nodes, edges to them dropped
        queue = [None]  # ordinal -> object; keeps every described object alive (addresses stay unique)
        idx_get = index.get
        L = _LAYOUT
        layout_ok = L.ok

        def discover(obj):
            a = id(obj) >> 4
            n = idx_get(a)
            if n is None:
                if a in excluded:
                    return -1
                n = index[a] = 7 * len(queue)
                queue.append(obj)
            return n

        # roots, in a fixed order: modules by name, threads by name, gc.garbage in list order
        groups = []
        mods = []
        sysmods = sys.modules
        for key in sorted(k for k in dict.keys(sysmods) if type(k) is str):
            m = dict.get(sysmods, key)
            n = discover(m)
            if n > 0:
                mods.append((E_PROPERTY, self.name(key), n))
        groups.append((GROUP_MODULES, mods))
        stacks = []
        for tname, frame in self.thread_frames:
            n = discover(frame)
            if n > 0:
                stacks.append((E_PROPERTY, self.name("thread " + tname), n))
        groups.append((GROUP_STACKS, stacks))
        garbage_list = gc.garbage
        garbage_id = id(garbage_list) if self.include_garbage else -1
        if self.include_garbage and garbage_list:
            items = []
            for i, g in enumerate(list.__iter__(garbage_list)):
                n = discover(g)
                if n > 0:
                    items.append((E_ELEMENT, i, n))
            groups.append((GROUP_GARBAGE, items))
        unreachable = []
        groups.append((GROUP_UNREACHABLE, unreachable))
        self.groups = groups
        exec_frames = self.exec_frame_locals

        # node rows as written but for the constant detachedness (and trace_node_id when not tracing:
        # the row format writes those zeros), and edges; flushed every CHUNK nodes
        trace = self.trace
        row = 6 if trace else 5
        NODES = []
        NODES_append = NODES.append
        # edges of the current chunk: EP the "type,name_or_index," text of each row (shared strings,
        # cached per type and name), EX the target's to_node (ordinal * 7)
        EP, EX = [], []
        big_runs = []  # (position in EP, count, first index): element edges whose texts are made at flush
        node_total = [0, 0, 0]  # nodes written, edges written, self bytes
        first_chunk = [True]
        CHUNK = 1 << 15
        EDGE_SLICE = 8192

        def flush():
            sep = b",\n" if not first_chunk[0] else b""
            first_chunk[0] = False
            for text in _format_rows(NODES, row):
                out.write(sep)
                out.write(text.encode())
                sep = b","
            node_total[0] += len(NODES) // row
            node_total[2] += sum(NODES[3::row])
            ne = len(EP)
            # edge rows as text (type, name or index, to_node = target ordinal * node field count), a
            # slice at a time: one node's edges can be many (a list of a million items), and the
            # temporaries of formatting them add to the walk's peak memory
            runs = iter(big_runs)
            run = next(runs, None)
            for a in range(0, ne, EDGE_SLICE):
                b = min(ne, a + EDGE_SLICE)
                made = None
                while run is not None and run[0] < b:
                    # element edges beyond ELEM: their texts made a slice at a time (a list of a
                    # million items would otherwise hold a million texts until its chunk is written)
                    pos, cnt, j0 = run
                    s0, e0 = max(pos, a), min(pos + cnt, b)
                    if s0 < e0:
                        EP[s0:e0] = map(_ELEM_FMT.__mod__, range(j0 + s0 - pos, j0 + e0 - pos))
                        made = True
                    if pos + cnt > b:
                        break
                    run = next(runs, None)
                rows = [0] * (2 * (b - a))
                rows[0::2] = EP[a:b]
                rows[1::2] = EX[a:b]
                if made:
                    EP[a:b] = repeat(None, b - a)
                text = _format_edges(rows)
                rows = None
                if node_total[1]:
                    edge_tmp.write(b",\n")
                edge_tmp.write(text.encode())
                text = None
                node_total[1] += b - a
            del NODES[:], EP[:], EX[:], big_runs[:]
            self.flush_strings()

        # root node: element edges to the group nodes, whose ordinals are fixed at the end
        NODES += (N_SYNTHETIC, 0, 1, 0, len(groups))
        if trace:
            NODES.append(0)

        tinfo_get = self.tinfo.get
        type_info = self.type_info
        name = self.name
        names_get = self.names.get
        strings_out = self.strings_out
        strings_append = strings_out.append
        sbase = self.sbase
        get_referents = _get_referents
        trace_id = self.trace_id
        R4 = repeat(4)
        big = 1 << 128  # ints beyond +-big are named by their bit length
        unique_rc = _UNIQUE_RC
        unique_tracked = unique_rc + 1  # a gc-tracked object: `objects` (gc.get_objects()) holds it too
        is_tracked = gc.is_tracked
        obj_iter = iter(objects)
        queue_append = queue.append
        EP_extend, EX_extend, EP_append, EX_append = EP.extend, EX.extend, EP.append, EX.append
        p_class = name("__class__")
        # "type,name_or_index," texts: element edges 0..ELEM-1 ready-made, others cached by (type, name)
        ELEM = ["%d,%d," % (E_ELEMENT, j) for j in range(_ELEM_TEXTS)]
        n_elem = len(ELEM)
        pfx = {}  # (edge type, name index or element index) -> text
        pfx_get = pfx.get
        kpfx = {}  # dict key (exact str) -> its property edge's text
        kpfx_get = kpfx.get
        mem = L.mem if layout_ok else None
        v311 = layout_ok and L.version == (3, 11)
        v312 = layout_ok and L.version == (3, 12)
        nid = 3  # node id of the object being described: 2 * its ordinal + 1 (ordinal 0 is the root)
        leaf_end, name_limit = K_LEAF_END, NAME_LIMIT
        k_str, k_int, k_repr, k_tuple, k_list, k_dict, k_set = K_STR, K_INT, K_REPR, K_TUPLE, K_LIST, K_DICT, K_SET
        k_instance, k_weakref = K_INSTANCE, K_WEAKREF
        flush_at = 2 * CHUNK + 1  # flush when the node id reaches this (CHUNK more nodes buffered)
        while True:
            # a list iterator sees the items appended while it runs; it stops when the queue is done
            it = iter(queue)
            it.__setstate__(nid >> 1)
            for o in it:
                t = type(o)
                ti = tinfo_get(t)
                if ti is None:
                    ti = type_info(t, o)
                kind = ti[0]
                if kind < leaf_end:
                    # leaves: exact str, int, bytes, float, ... -- no edges, names are values (fresh
                    # string slots), sys.getsizeof is C code
                    if kind == k_str:
                        v = o if len(o) <= name_limit else o[:name_limit] + "\u2026"
                    elif kind == k_int:
                        v = repr(o) if -big < o < big else "int (%d bits)" % o.bit_length()
                    elif kind == k_repr:
                        v = repr(o)  # exact float, complex, bool, None, Ellipsis, NotImplemented: C repr
                    elif t is bytes:
                        v = bytes.__repr__(o[:64]) + ("\u2026" if len(o) > 64 else "")
                    else:
                        v = "bytearray (%d bytes)" % len(o)
                    size = ti[3](o)  # leaf types add no header (type_info)
                    NODES += (ti[1], sbase + len(strings_out), nid, size, 0)
                    if trace:
                        NODES_append(trace_id(o, size, False))
                    strings_append(v)
                    nid += 2
                    if nid == flush_at:
                        flush()
                        sbase = self.sbase
                        flush_at += 2 * CHUNK
                    continue
                size = ti[3](o) + ti[13]
                nm = ti[2]
                ids = None  # id() of each target, when taken before the targets are resolved
                merged_size = 0
                nx = None
                if kind == k_tuple or kind == k_list:
                    # items, in order: element edges (exact list/tuple/deque: a C copy, no user code)
                    nx = refs = list(o)
                    k = len(refs)
                    if k <= n_elem:
                        EP_extend(ELEM[:k])
                    else:
                        EP_extend(ELEM)
                        big_runs.append((len(EP), k - n_elem, n_elem))
                        EP_extend(repeat(None, k - n_elem))
                elif kind == K_SET:
                    nx = refs = get_referents(o)
                    k = len(refs)
                    if k <= n_elem:
                        EP_extend(ELEM[:k])
                    else:
                        EP_extend(ELEM)
                        big_runs.append((len(EP), k - n_elem, n_elem))
                        EP_extend(repeat(None, k - n_elem))
                elif kind == K_DICT:
                    keys = list(dict.keys(o))
                    # keys all exact str and all named already (the common case): one C pass each
                    ens = list(map(kpfx_get, keys)) if list(map(type, keys)).count(str) == len(keys) else None
                    keys = None
                    if ens is not None and None not in ens:
                        EP_extend(ens)
                        nx = list(dict.values(o))
                    else:
                        nx = []
                        nx_append = nx.append
                        base = len(EP)
                        for key, v in dict.items(o):
                            if type(key) is str:
                                p = kpfx_get(key)
                                if p is None:
                                    ni = names_get(key)
                                    if ni is None:
                                        ni = name(key if len(key) <= 200 else key[:200] + "\u2026")
                                    p = kpfx[key] = "%d,%d," % (E_PROPERTY, ni)
                                EP_append(p)
                                nx_append(v)
                            elif type(key) is int and 0 <= key < 1 << 31:
                                EP_append(ELEM[key] if key < n_elem else _ELEM_FMT % key)
                                nx_append(v)
                            else:
                                h = len(EP) + 2 - base
                                EP_extend(("%d,%d," % (E_HIDDEN, h),
                                           "%d,%d," % (E_PROPERTY, name("[%s key]" % _type_name(type(key))))))
                                nx += (key, v)
                        nx_append = None
                    ens = None
                    refs = None  # nx is then the only holder of the values (see the leaf rule below)
                else:
                    refs = get_referents(o) if kind != K_MODULE else _module_referents(o)
                    if kind == K_INSTANCE and ti[12] is not None and refs and refs[-1] is t:
                        # the common 3.11-3.13 instance: attributes inline (managed dict values); gc visits
                        # the values in slot order, skipping unset slots, then the type
                        fast = ti[12]
                        n = fast[0]
                        if len(refs) == n + 1 and (n != 1 or type(refs[0]) is not dict):
                            # every slot set and no materialised dict: no memory read needed
                            nx = refs
                            refs = None
                            EP_extend(fast[1])
                        else:
                            # some slots unset: which ones, the values' memory says
                            a = id(o)
                            if v311:
                                vp = 0 if mem[(a - 24) >> 3] else mem[(a - 32) >> 3]
                            elif v312:
                                vp = mem[(a - 24) >> 3]
                                vp = vp + 1 if vp & 1 else 0
                            else:
                                dict_addr, vp = L.managed(a, t)
                                if dict_addr:
                                    vp = 0
                            if vp:
                                vals = mem[vp >> 3:(vp >> 3) + n].tolist()
                                ids = list(map(id, refs))
                                m = len(refs) - 1
                                if vals[:m] == ids[:m] and not any(vals[m:]):
                                    # the first m slots set (attributes that only some instances get
                                    # come last in the shared keys): the edge rows are cached per m
                                    rows = fast[3].get(m)
                                    if rows is None:
                                        rows = fast[3][m] = fast[1][:m] + fast[1][-1:]
                                    nx = refs
                                    refs = None
                                    EP_extend(rows)
                                else:
                                    present = list(compress(vals, vals))
                                    if present == ids[:m]:
                                        nx = refs
                                        refs = None
                                        EP_extend(compress(fast[1], vals))
                                        EP_append(fast[1][-1])
                                    else:
                                        ids = None
                    if nx is None:
                        named = []
                        if kind == K_INSTANCE or kind == K_WEAKREF:
                            self.current = 7 * (nid >> 1)
                            merged_size = self.instance_edges(o, t, ti, refs, named, index, layout_ok)
                            if kind == K_WEAKREF:
                                r = _weakref_call(o)
                                if r is not None:
                                    named.append((E_WEAK, name("referent"), r))
                        elif kind == K_FRAME:
                            nm = self.frame_edges(o, refs, named, exec_frames)
                        elif kind == K_FUNC:
                            nm = self.function_edges(o, named)
                        elif kind == K_CODE:
                            try:
                                nm = name("code %s %s:%d" % (getattr(o, "co_qualname", o.co_name),
                                                             o.co_filename, o.co_firstlineno))
                            except Exception:
                                pass
                        elif kind == K_TB:
                            named.append((E_PROPERTY, name("tb_frame"), o.tb_frame))
                            if o.tb_next is not None:
                                named.append((E_PROPERTY, name("tb_next"), o.tb_next))
                        elif kind == K_CELL:
                            try:
                                named.append((E_PROPERTY, name("cell_contents"), _cell_get(o)))
                            except ValueError:
                                pass
                        elif kind == K_MODULE:
                            self.current = 7 * (nid >> 1)
                            nm, merged_size = self.module_edges(o, refs, named, index)
                        elif kind == K_TYPE:
                            self.current = 7 * (nid >> 1)
                            nm, merged_size = self.type_edges(o, refs, named, index)
                        elif kind == K_GEN:
                            nm = self.generator_edges(o, t, refs, named)
                        elif kind == K_METHOD:
                            named.append((E_PROPERTY, name("__self__"), o.__self__))
                            named.append((E_PROPERTY, name("__func__"), o.__func__))
                        # the rest: unnamed referents become hidden edges
                        if refs:
                            seen = set(map(id, [x for _, _, x in named]))
                            seen.add(id(o))
                            h = 0
                            for r in refs:
                                if id(r) not in seen:
                                    if r is t:
                                        named.append((E_INTERNAL, p_class, r))
                                    else:
                                        named.append((E_HIDDEN, h, r))
                                        h += 1
                                    seen.add(id(r))
                        nx = []
                        for et, en, x in named:
                            if et >= 0:
                                p = pfx_get((et, en))
                                if p is None:
                                    p = "%d,%d," % (et, en)
                                    if en < n_elem or (et != E_ELEMENT and et != E_HIDDEN):
                                        pfx[(et, en)] = p  # names, and indices below ELEM's: bounded
                                EP_append(p)
                                nx.append(x)
                        size += merged_size
                if o is garbage_list and garbage_id >= 0 and nx:
                    # gc.garbage's own items do not retain: the "(Python gc.garbage)" group shows them
                    if big_runs and big_runs[-1][0] >= len(EP) - len(nx):
                        del big_runs[-1]
                    EP[len(EP) - len(nx):] = ["%d,%d," % (E_WEAK, j) for j in range(len(nx))]  # an exact list
                # resolve targets to ordinals, discovering new objects in order
                ecount = len(nx)
                if ecount:
                    drop = False
                    # A target whose only reference is this edge ("unique": the referrer, the nx list
                    # and map's own reference while getrefcount looks -- measured by _calibrate() on
                    # this same code shape) was never met before: everything described is held by the
                    # queue, so it has more. It needs no index lookup (on a big heap a lookup that
                    # misses costs a cache miss, and most targets are such). A gc-tracked object has
                    # one more reference, from the list gc.get_objects() returned (`objects`): one
                    # count higher it is unique too, and gets an index entry (the unreachable scan
                    # looks for it) without a lookup. At the lower count it is not in that list (not
                    # tracked: str, int, float, bytes, a tuple or dict of those): it can never be
                    # reached again and the unreachable scan never meets it, so it needs no index
                    # entry at all (most targets are such: this more than halves the index). The counts
                    # are read first, in one pass (get_referents or list() has just touched the objects).
                    rcs = list(map(getrefcount, nx)) if refs is None or refs is nx else None
                    if rcs is not None and (unique_rc in rcs or unique_tracked in rcs):
                        # targets straight into EX (an excluded one as -1, dropped below)
                        q7 = 7 * len(queue)  # to_node of the next object queued
                        for x, rc in zip(nx, rcs):
                            if rc == unique_rc:
                                # not gc-tracked: those all have one more reference (below)
                                EX_append(q7)
                                queue_append(x)
                                q7 += 7
                            elif rc == unique_tracked and is_tracked(x):
                                # gc-tracked: one more reference, from the list of gc.get_objects();
                                # an index entry for the unreachable scan, but no lookup
                                a = id(x) >> 4
                                if a in excluded:
                                    drop = True
                                    EX_append(-1)
                                else:
                                    index[a] = q7
                                    EX_append(q7)
                                    queue_append(x)
                                    q7 += 7
                            else:
                                a = id(x) >> 4
                                n = idx_get(a)
                                if n is None:
                                    if a in excluded:
                                        n = -1
                                        drop = True
                                    else:
                                        n = index[a] = q7
                                        q7 += 7
                                        queue_append(x)
                                EX_append(n)
                        x = None
                    else:
                        ids = list(map(rshift, map(id, nx) if ids is None else ids, R4))
                        ns = list(map(idx_get, ids))
                        if None in ns:
                            q7 = 7 * len(queue)  # to_node of the next object queued
                            for k in range(ecount):
                                if ns[k] is None:
                                    a = ids[k]
                                    n = idx_get(a)  # an earlier item of nx may have added it
                                    if n is None:
                                        if a in excluded:
                                            n = -1
                                            drop = True
                                        else:
                                            n = index[a] = q7
                                            q7 += 7
                                            queue_append(nx[k])
                                    ns[k] = n
                        EX_extend(ns)
                    rcs = None
                    if drop:
                        # an excluded (dumper-owned) object: drop those edges
                        base = len(EX) - ecount
                        while big_runs and big_runs[-1][0] >= base:  # their texts first
                            pos, cnt, j0 = big_runs.pop()
                            EP[pos:pos + cnt] = map(_ELEM_FMT.__mod__, range(j0, j0 + cnt))
                        keep = [k for k in range(ecount) if EX[base + k] >= 0]
                        EP[base:] = [EP[base + k] for k in keep]
                        EX[base:] = [EX[base + k] for k in keep]
                        ecount = len(keep)
                NODES += (ti[1], nm, nid, size, ecount)
                if trace:
                    NODES_append(trace_id(o, size, ti[6]))
                nid += 2
                if nid == flush_at:
                    flush()
                    sbase = self.sbase
                    flush_at += 2 * CHUNK
            # everything reachable from the roots so far is done: the next unvisited tracked object
            # starts a new "(Python unreachable)" component
            nxt = None
            for o in obj_iter:
                a = id(o) >> 4
                if a not in index and a not in excluded:
                    nxt = o
                    break
            if nxt is None:
                break
            unreachable.append((E_ELEMENT, len(unreachable), discover(nxt)))
        del it
        # the group nodes, last
        first_group = len(queue)
        for g, (gname, edges) in enumerate(groups):
            NODES += (N_SYNTHETIC, name(gname), 2 * (first_group + g) + 1, 0, len(edges))
            if trace:
                NODES.append(0)
        # group edges come after every object's edges, in group order; the root's edges are first
        # in the file and are written by assemble() from first_group
        for gname, edges in groups:
            for et, en, n in edges:
                EP.append("%d,%d," % (et, en))
                EX.append(n)
        flush()
        self.first_group = first_group
        self.node_count, self.edge_count, self.heap_bytes = node_total
        self.edge_count += len(groups)
        self.group_sizes = {g: len(e) for g, e in groups}
        self.queue_len = len(queue)
        del queue[:]
        index.clear()

    def dict_items(self, d, named):
        name = self.name
        for k, v in dict.items(d):
            if type(k) is str:
                named.append((E_PROPERTY, name(k if len(k) <= 200 else k[:200] + "\u2026"), v))
            elif type(k) is int and 0 <= k < 1 << 31:
                named.append((E_ELEMENT, k, v))
            else:
                named.append((E_HIDDEN, 0, k))
                named.append((E_PROPERTY, name("[%s key]" % _type_name(type(k))), v))

    def instance_edges(self, o, t, ti, refs, named, index, layout_ok):
        """Content (dict/list/set subclasses), exception fields, slots and attributes of an instance.
        Returns bytes of a merged __dict__ to add to the owner's self size."""
        name = self.name
        if ti[8]:
            self.dict_items(o, named)
            named.extend((E_NAME_ONLY, 0, k) for k in dict.keys(o) if type(k) is str)
        elif ti[9]:
            seq = list(tuple.__iter__(o)) if isinstance(o, tuple) else list(list.__iter__(o))
            named.extend((E_ELEMENT, j, v) for j, v in enumerate(seq))
        elif ti[10]:
            named.extend((E_ELEMENT, j, v) for j, v in enumerate(set.__iter__(o) if isinstance(o, set)
                                                                 else frozenset.__iter__(o)))
        for ename, get in ti[11]:
            v = get(o)
            if v is not None:
                named.append((E_PROPERTY, name(ename), v))
        if ti[7]:
            for ename, get in _exc_getters:
                v = get(o)
                if v is not None and not (ename == "args" and v == ()):
                    named.append((E_PROPERTY, name(ename), v))
        for sname, get in ti[4]:
            try:
                v = get(o)
            except AttributeError:
                continue
            named.append((E_PROPERTY, name(sname), v))
        return self.merge_dict(o, t, ti, refs, named, index)

    def merge_dict(self, o, t, ti, refs, named, index):
        """Adds o's attributes as property edges; marks a merged dict as part of its owner."""
        if not refs:
            return 0
        by_addr = None
        dict_addr = 0
        L = _LAYOUT
        if ti[6]:  # managed dict (3.11-3.13)
            dict_addr = L.managed(id(o), t)[0]
            if not dict_addr:
                got = L.instance_attrs(o, t)
                if got is None:
                    return 0
                names, vals = got
                by_addr = {id(r): r for r in refs}
                name = self.name
                for nm, a in zip(names, vals):
                    if a:
                        r = by_addr.get(a)
                        if r is not None:
                            named.append((E_PROPERTY, name(nm), r))
                return 0
        elif ti[5] > 0:
            dict_addr = _dict_at(o, ti[5])
        if not dict_addr:
            return 0
        for r in refs:
            if id(r) == dict_addr and type(r) is dict:
                return self.merge_one(o, r, named, index)
        return 0

    def merge_one(self, owner, d, named, index):
        a = id(d) >> 4
        self.dict_items(d, named)
        if a in index:
            # already a node of its own (reached first from elsewhere, e.g. gc.garbage lists instance
            # dicts too): the owner still gets the attribute edges, the dict keeps its own
            named.append((E_INTERNAL, self.name("__dict__"), d))
            return 0
        named.append((E_INTERNAL, self.name("__dict__"), d))
        index[a] = self.current  # never a node of its own: references to it point at the owner
        return _getsizeof(d)

    def frame_edges(self, f, refs, named, exec_frames):
        name = self.name
        code = f.f_code
        qn = getattr(code, "co_qualname", code.co_name)
        nm = name("frame %s %s:%d" % (qn, _basename(code.co_filename), f.f_lineno or 0))
        back = exec_frames.get(id(f), (None, None))[1] if exec_frames else None
        if back is None:
            back = f.f_back
        if back is not None:
            named.append((E_PROPERTY, name("f_back"), back))
        named.append((E_INTERNAL, name("f_code"), code))
        named.append((E_INTERNAL, name("f_globals"), f.f_globals))
        named.append((E_INTERNAL, name("f_builtins"), f.f_builtins))
        pre = exec_frames.get(id(f)) if exec_frames else None
        if pre is not None:
            for vname, v in pre[0]:
                named.append((E_CONTEXT, name(vname), v))
        elif _LAYOUT.ok:
            fa = _LAYOUT.rd(id(f) + 24)
            if fa and _LAYOUT.rd(fa + _LAYOUT.o_code) == id(code):
                self.locals_from(_LAYOUT.frame_locals(fa, code), refs, named)
        return nm

    def locals_from(self, pairs, refs, named):
        by_addr = {id(r): r for r in refs}
        name = self.name
        for vname, a in pairs:
            if a:
                r = by_addr.get(a)
                if r is not None:
                    named.append((E_CONTEXT, name(vname), r))

    def generator_edges(self, g, t, refs, named):
        name = self.name
        code = g.gi_code if t is not CoroutineType else g.cr_code
        prefix = {CoroutineType: "coroutine", GeneratorType: "generator"}.get(t, "async_generator")
        try:
            qn = g.__qualname__
        except Exception:
            qn = getattr(code, "co_qualname", code.co_name)
        nm = name("%s %s %s:%d" % (prefix, qn, _basename(code.co_filename), code.co_firstlineno))
        named.append((E_INTERNAL, name("f_code"), code))
        L = _LAYOUT
        if L.ok and t in (CoroutineType, GeneratorType):
            ia = id(g) + L.o_gen_iframe
            state = L.memb[id(g) + L.o_gen_state]  # gi_frame_state, int8: created, suspended < 0, running 0
            if (state >= 0x80 or state == 0) and L.rd(ia + L.o_code) == id(code):
                fo = L.rd(ia + L.o_frame_obj)
                if fo:
                    for r in refs:
                        if id(r) == fo:
                            named.append((E_PROPERTY, name("cr_frame" if t is CoroutineType else "gi_frame"), r))
                self.locals_from(L.frame_locals(ia, code), refs, named)
        try:
            aw = g.cr_await if t is CoroutineType else (g.gi_yieldfrom if t is GeneratorType else None)
        except Exception:
            aw = None
        if aw is not None:
            named.append((E_PROPERTY, name("cr_await" if t is CoroutineType else "gi_yieldfrom"), aw))
        return nm

    def function_edges(self, f, named):
        name = self.name
        code = f.__code__
        try:
            qn = f.__qualname__
            if type(qn) is not str:
                qn = code.co_name
        except Exception:
            qn = code.co_name
        nm = name("function %s %s:%d" % (qn, _basename(code.co_filename), code.co_firstlineno))
        named.append((E_INTERNAL, name("__code__"), code))
        named.append((E_INTERNAL, name("__globals__"), f.__globals__))
        cl = f.__closure__
        if cl:
            for vname, cell in zip(code.co_freevars, cl):
                named.append((E_CONTEXT, name(vname), cell))
        if f.__defaults__:
            named.append((E_PROPERTY, name("__defaults__"), f.__defaults__))
        if f.__kwdefaults__:
            named.append((E_PROPERTY, name("__kwdefaults__"), f.__kwdefaults__))
        return nm

    def module_edges(self, m, refs, named, index):
        try:
            d = _module_dict(m)  # not the first dict referent: 3.13 traverses the C state first
        except Exception:
            d = None
        if type(d) is not dict:
            return self.name("module ?"), 0
        mn = dict.get(d, "__name__")
        nm = self.name("module %s" % (mn if type(mn) is str else "?"))
        return nm, self.merge_one(m, d, named, index)

    def type_edges(self, t, refs, named, index):
        nm = self.name("type " + _type_name(t))
        d = refs[0] if refs and type(refs[0]) is dict else None
        if d is None and not refs:
            # a static (C) type is not gc-tracked: reach its dict through a temporary mappingproxy
            proxy_refs = _get_referents(_type_dict["__dict__"].__get__(t))
            if proxy_refs and type(proxy_refs[0]) is dict:
                d = proxy_refs[0]
        size = 0
        if d is not None:
            size = self.merge_one(t, d, named, index)
        mro = _t_mro_raw(t)
        if mro is not None:
            named.append((E_INTERNAL, self.name("__mro__"), mro))
        return nm, size


try:
    import ctypes as _ctypes
    _void_p = _ctypes.c_void_p
except ImportError:  # pragma: no cover
    _ctypes = None


def _dict_at(o, off):
    """Address of the instance dict at a positive tp_dictoffset (a stable C-API layout), 0 if none."""
    if _ctypes is None:
        return 0
    return _void_p.from_address(id(o) + off).value or 0


_LEAF_TYPES = frozenset((str, int, float, bytes))
_module_dict = ModuleType.__dict__["__dict__"].__get__  # md_dict itself (module_get_dict creates nothing)
# CPython 3.12's _asyncio module traverses its free list of future iterators (module_traverse in
# Modules/_asynciomodule.c): gc.get_referents(_asyncio) hands out those freed objects, and letting
# go of the list frees them a second time, which links the free list into a cycle (the next
# collection never ends). That module's referents are taken from its dict alone.
_NO_STATE_TRAVERSE = ("_asyncio",) if sys.version_info[:2] == (3, 12) else ()


def _module_referents(m):
    """gc.get_referents(m), but only m's dict for a module whose C state traversal is unsafe."""
    if _NO_STATE_TRAVERSE:
        try:
            d = _module_dict(m)
        except Exception:
            d = None
        if type(d) is dict and dict.get(d, "__name__") in _NO_STATE_TRAVERSE:
            return [d]
    return _get_referents(m)


def _calibrate():
    """Reference count the walk's uniqueness check sees for an object held by exactly one container:
    the same statements as in _Dumper.run, on a float held by one tuple."""
    holder = (float(len(_LEAF_TYPES)) + 0.5,)
    nx = _get_referents(holder)
    refs = nx  # as in the walk, where refs and nx are the same list
    rcs = list(map(getrefcount, nx)) if refs is None or refs is nx else None
    return rcs[0]


_UNIQUE_RC = _calibrate()
_FUTURE_FIELDS = ("_loop", "_result", "_exception", "_source_traceback", "_cancel_message", "_coro",
                  "_fut_waiter")


def _c_field_getters(t):
    """Getters of C fields that plain attribute reading would not show: asyncio's C Future/Task.
    Descriptors are taken from the C classes themselves, so a subclass's properties never run."""
    mod = sys.modules.get("_asyncio")
    out = []
    if mod is None:
        return ()
    for base in (getattr(mod, "Future", None), getattr(mod, "Task", None)):
        if type(base) is type and base in _t_mro(t):
            d = _type_dict["__dict__"].__get__(base)
            for f in _FUTURE_FIELDS:
                desc = d.get(f)
                if desc is not None and type(desc).__name__ == "getset_descriptor" and \
                        f not in [n for n, _ in out]:
                    out.append((f, desc.__get__))
    return tuple(out)


_FORMATS = {}


_ELEM_TEXTS = 4096  # element edges 0..4095 get ready-made "1,j," texts
_ELEM_FMT = "%d,%%d," % E_ELEMENT


def _format_edges(values):
    """Edge rows from [text, to_node, text, to_node, ...] (text: "type,name_or_index,"), joined by ",":
    one %-format call, %s for the shared texts (a copy) and %d for the targets only -- about half the
    time of formatting all three numbers."""
    n = len(values) >> 1
    fmt = _FORMATS.get(n)
    if fmt is None:
        fmt = ",".join(["%s%d"] * n)
        if len(_FORMATS) > 4:
            _FORMATS.clear()
        _FORMATS[n] = fmt
    return fmt % tuple(values)


_ROW_PATTERNS = {5: "%d,%d,%d,%d,%d,0,0", 6: "%d,%d,%d,%d,%d,%d,0"}


_ROW_PIECE = 1024  # node rows per %-format call


def _format_rows(values, row):
    """Node rows: `row` ints each (5: trace_node_id and detachedness are 0; 6: detachedness is 0),
    as the 7 comma-separated fields of the format: a list of texts of _ROW_PIECE rows each (the
    last one shorter), to be written with "," between them. One %-format call per piece: one call
    for a whole chunk of 32,768 rows is about a third slower (its output, over a megabyte, is built
    by growing one string)."""
    n = len(values)
    step = _ROW_PIECE * row
    fmt = _FORMATS.get((step, row))
    if fmt is None:
        fmt = ",".join([_ROW_PATTERNS[row]] * _ROW_PIECE)
        if len(_FORMATS) > 4:
            _FORMATS.clear()
        _FORMATS[(step, row)] = fmt
    full = n - n % step
    parts = [fmt % tuple(values[a:a + step]) for a in range(0, full, step)]
    if full < n:
        parts.append(",".join([_ROW_PATTERNS[row]] * ((n - full) // row)) % tuple(values[full:]))
    return parts


def _tracemalloc_raw(obj):
    """Raw allocation traceback ((filename, lineno), ... most recent first) of obj, or None."""
    tb = tracemalloc.get_object_traceback(obj)
    return None if tb is None else tuple((f.filename, f.lineno) for f in reversed(tb))


try:  # the C function behind get_object_traceback: the raw tuple, no Traceback/Frame objects
    from _tracemalloc import _get_object_traceback as _tracemalloc_raw  # noqa: F811
except ImportError:  # pragma: no cover
    pass


_raw_traceback = None
if _LAYOUT.ok and _LAYOUT.version == (3, 11):
    try:
        _raw_traceback = _LAYOUT.ctypes.pythonapi._PyTraceMalloc_GetTraceback
        _raw_traceback.restype = _LAYOUT.ctypes.py_object
        _raw_traceback.argtypes = (_LAYOUT.ctypes.c_uint, _LAYOUT.ctypes.c_size_t)
    except Exception:  # pragma: no cover
        _raw_traceback = None


def _thread_names():
    out = {}
    try:
        active = dict(threading._active)  # ident -> Thread
    except Exception:
        active = {}
    for ident, th in active.items():
        try:
            n = threading.Thread.name.fget(th)
        except Exception:
            n = None
        out[ident] = n if type(n) is str else str(ident)
    return out


_DUMPER_CODES = set()
# CPython 3.11: tracemalloc looks up the line of the allocating frame for every allocation it traces,
# by scanning the code's line table from its start -- unless the code has a line array, which 3.11
# creates when a profiler or tracer sees the code run (and keeps). The dumper allocates for every
# object it describes, inside functions hundreds of lines long: without line arrays a traced dump
# is about ten times slower.
_LINE_ARRAYS = sys.implementation.name == "cpython" and sys.version_info[:2] == (3, 11)


def _noop_profile(frame, event, arg):
    return None


def _warm_line_arrays():
    """Lets the profiler hook see the dumper's long functions once (entered and left at once), so
    CPython 3.11 gives their code line arrays. Only when no profiler is set (one would already have)."""
    sys.setprofile(_noop_profile)
    try:
        _Dumper.run(None, None, None)
        _dump(None, None, None, None, None)
    finally:
        sys.setprofile(None)


def dump(path, *, include_garbage=True, trace=True):
    """Writes the heap of this interpreter to `path` as a V8 .heapsnapshot.

    Returns {"path", "nodes", "edges", "bytes" (file size), "heap_bytes" (sum of self sizes),
    "seconds", "garbage", "unreachable_components"}.
    """
    objects = gc.get_objects()  # first: nothing the dumper creates below is in this list
    was_enabled = gc.isenabled()
    gc.disable()
    old_switch = sys.getswitchinterval()
    sys.setswitchinterval(1000.0)  # other threads stay parked while frames are read
    t0 = time.perf_counter()
    try:
        if trace and _LINE_ARRAYS and tracemalloc.is_tracing() and sys.getprofile() is None:
            _warm_line_arrays()
        return _dump(objects, path, include_garbage, trace, t0)
    finally:
        sys.setswitchinterval(old_switch)
        if was_enabled:
            gc.enable()


def _dump(objects, path, include_garbage, trace, t0):
    if objects is None:  # _warm_line_arrays: only enter and leave
        return None
    excluded = {id(objects), id(sys._getframe())}  # never keep the own frame in a local: a cycle
    # thread stacks: innermost frame that is not the dumper's, per thread, sorted by thread name
    names = _thread_names()
    current = sys._current_frames()
    excluded.add(id(current))
    threads = []
    exec_frames = {}
    for ident in list(current):
        f = current[ident]
        while f is not None and f.f_code in _DUMPER_CODES:
            excluded.add(id(f))
            f = f.f_back
        if f is None:
            continue
        threads.append((names.get(ident, str(ident)), ident, f))
        # frames still executing: their locals are not gc referents, read them now (GIL held)
        while f is not None:
            if _LAYOUT.ok:
                fa = _LAYOUT.rd(id(f) + 24)
                if fa and _LAYOUT.rd(fa + _LAYOUT.o_code) == id(f.f_code) and \
                        _LAYOUT.memb[fa + _LAYOUT.o_owner] == 0:  # owner: the thread
                    cast = _LAYOUT.ctypes.cast
                    pyobj = _LAYOUT.ctypes.py_object
                    pairs = [(n, cast(a, pyobj).value) for n, a in _LAYOUT.frame_locals(fa, f.f_code) if a]
                    exec_frames[id(f)] = (pairs, f.f_back)
            f = f.f_back
    threads.sort(key=lambda x: (x[0], x[1]))
    for o in objects:
        if type(o) is FrameType and o.f_code in _DUMPER_CODES:
            excluded.add(id(o))
    d = _Dumper(objects, excluded, include_garbage, trace)
    d.thread_frames = [(n, f) for n, _, f in threads]
    d.exec_frame_locals = exec_frames
    current.clear()
    del threads, current, names, f
    directory = os.path.dirname(os.path.abspath(path))
    tmp_path = path + ".part"
    with open(tmp_path, "wb") as out, tempfile.TemporaryFile(dir=directory) as edge_tmp, \
            tempfile.TemporaryFile(dir=directory) as string_tmp:
        d.string_tmp = string_tmp
        header_at = out.tell()
        out.write(_header(0, 0, 0))
        out.write(b'\n"nodes":[')
        d.run(out, edge_tmp)
        # edges: the root's first, then everyone else's from the temp file, to_node = ordinal * 7
        out.write(b'],\n"edges":[')
        root_edges = ["%d,%d,%d" % (E_ELEMENT, i + 1, (d.first_group + i) * 7) for i in range(len(d.groups))]
        out.write(",".join(root_edges).encode())
        if d.edge_count > len(d.groups):  # the other edges, already as text
            out.write(b",\n")
            edge_tmp.seek(0)
            shutil.copyfileobj(edge_tmp, out, 1 << 20)
        out.write(b"],\n")
        fn_count = _write_traces(out, d)
        out.write(b'"samples":[],\n"locations":[],\n"strings":[')
        d.flush_strings()
        string_tmp.seek(0)
        shutil.copyfileobj(string_tmp, out, 1 << 20)
        out.write(b"]}\n")
        size = out.tell()
        out.seek(header_at)
        out.write(_header(d.node_count, d.edge_count, fn_count))
    os.replace(tmp_path, path)
    _names_cache.clear()
    _FORMATS.clear()
    if _LAYOUT.ok:
        _LAYOUT._keys_cache.clear()
    return {
        "path": path,
        "nodes": d.node_count,
        "edges": d.edge_count,
        "bytes": size,
        "heap_bytes": d.heap_bytes,
        "seconds": round(time.perf_counter() - t0, 3),
        "garbage": d.group_sizes.get(GROUP_GARBAGE, 0),
        "unreachable_components": d.group_sizes.get(GROUP_UNREACHABLE, 0),
    }


def _header(nodes, edges, fn_count):
    meta = {
        "node_fields": ["type", "name", "id", "self_size", "edge_count", "trace_node_id", "detachedness"],
        "node_types": [NODE_TYPES, "string", "number", "number", "number", "number", "number"],
        "edge_fields": ["type", "name_or_index", "to_node"],
        "edge_types": [EDGE_TYPES, "string_or_number", "node"],
        "trace_function_info_fields": ["function_id", "name", "script_name", "script_id", "line", "column"],
        "trace_node_fields": ["id", "function_info_index", "count", "size", "children"],
        "sample_fields": ["timestamp_us", "last_assigned_id"],
        "location_fields": ["object_index", "script_id", "line", "column"],
    }
    # counts are padded to a fixed width so the header can be rewritten in place at the end
    return ('{"snapshot":{"meta":%s,"node_count":%-12d,"edge_count":%-12d,"trace_function_count":%-12d,'
            '"title":"Python %s pid %d"},' % (json.dumps(meta, separators=(",", ":")), nodes, edges, fn_count,
                                              sys.version.split()[0], os.getpid())).encode()


def _write_traces(out, d):
    """trace_function_infos rows and the nested trace_tree (iteratively built, depth <= frames kept)."""
    # function infos: (function_id, name, script_name, script_id, line, column); names are strings
    rows = []
    for fi, (filename, line) in enumerate([(r[0], r[1]) if len(r) == 2 else ("", 0) for r in d.fn_rows]):
        if fi == 0:
            rows.append("0,%d,%d,0,0,0" % (d.name("(root)"), d.name("")))
            continue
        sid = d.scripts.get(filename)
        if sid is None:
            sid = d.scripts[filename] = len(d.scripts)
        rows.append("%d,%d,%d,%d,%d,0" % (fi, d.name("%s:%d" % (_basename(filename), line)), d.name(filename),
                                          sid, line))
    out.write(b'"trace_function_infos":[')
    out.write(",".join(rows).encode())
    out.write(b'],\n"trace_tree":')
    if not d.trace:
        out.write(b"[],\n")
        return len(rows)
    children = {}
    for tid, (parent, fi, _) in enumerate(d.tnode_rows, start=1):
        if tid > 1:
            children.setdefault(parent, []).append(tid)
    # V8's layout: each node is "id,fi,count,size,[children...]" with children flattened the same
    # way, the whole tree in one array. Pre-order walk with an explicit stack.
    parts = ["["]
    stack = [(1, False)]
    while stack:
        tid, closing = stack.pop()
        if closing:
            parts.append("]")
            continue
        if not parts[-1].endswith("["):
            parts.append(",")
        _, fi, _ = d.tnode_rows[tid - 1]
        parts.append("%d,%d,%d,%d,[" % (tid, fi, d.tnode_count[tid - 1], d.tnode_size[tid - 1]))
        stack.append((tid, True))
        for c in reversed(children.get(tid, ())):
            stack.append((c, False))
    parts.append("]")
    out.write("".join(parts).encode())
    out.write(b",\n")
    return len(rows)


# --- signal handler and the `python -m` runner ------------------------------------------------
_signal_state = {"count": 0}


def _snapshot_name(directory):
    _signal_state["count"] += 1
    stamp = time.strftime("%Y%m%d.%H%M%S")
    return os.path.join(directory, "Heap.%s.%d.0.%03d.heapsnapshot" % (stamp, os.getpid(), _signal_state["count"]))


def install_signal_handler(signum=getattr(signal, "SIGUSR2", None), directory=".", **dump_options):
    """Dumps to `directory`/Heap.<date>.<time>.<pid>.0.<seq>.heapsnapshot on each `signum`
    (like Node's --heapsnapshot-signal). Returns the previous handler."""
    if signum is None:
        raise ValueError("no SIGUSR2 on this platform: pass signum")
    directory = os.path.abspath(directory)

    def _on_signal(_signum, _frame):
        target = _snapshot_name(directory)
        summary = dump(target, **dump_options)
        sys.stderr.write("retention_graph_export: wrote %s (%d nodes, %.1f s)\n"
                         % (target, summary["nodes"], summary["seconds"]))

    _DUMPER_CODES.add(_on_signal.__code__)
    return signal.signal(signum, _on_signal)


def main(argv=None):
    """`python -m retention_graph_export [-o FILE] [--dir DIR] [--signal NAME] [--trace N]
    [--no-exit-dump] [--no-garbage] script.py args...`"""
    import argparse
    parser = argparse.ArgumentParser(
        prog="python -m retention_graph_export",
        description="Run a Python script and write its heap as a .heapsnapshot at exit and on a signal.")
    parser.add_argument("-o", "--output", help="snapshot path written at exit (default: DIR/Heap.<date>...)")
    parser.add_argument("--dir", default=".", help="directory for signal and exit snapshots (default .)")
    parser.add_argument("--signal", default="SIGUSR2", help="signal that dumps (default SIGUSR2; 'none' to disable)")
    parser.add_argument("--trace", type=int, default=0, metavar="N",
                        help="start tracemalloc with N frames so allocation sites are recorded")
    parser.add_argument("--no-exit-dump", action="store_true", help="do not dump when the script ends")
    parser.add_argument("--no-garbage", action="store_true", help="no (Python gc.garbage) root group")
    parser.add_argument("script")
    parser.add_argument("args", nargs=argparse.REMAINDER)
    ns = parser.parse_args(argv)
    options = {"include_garbage": not ns.no_garbage}
    if ns.trace > 0:
        import tracemalloc
        tracemalloc.start(ns.trace)
    if ns.signal.lower() != "none":
        install_signal_handler(getattr(signal, ns.signal.upper()), ns.dir, **options)
    script = os.path.abspath(ns.script)
    sys.argv = [ns.script] + list(ns.args)
    sys.path[0] = os.path.dirname(script)
    with open(script, "rb") as fh:
        code = compile(fh.read(), script, "exec")
    module = ModuleType("__main__")
    module.__file__ = script
    module.__builtins__ = __builtins__
    sys.modules["__main__"] = module
    status = 0
    try:
        exec(code, module.__dict__)
    except SystemExit as e:
        status = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:
        import traceback
        traceback.print_exc()
        status = 1
    if not ns.no_exit_dump:
        target = ns.output or _snapshot_name(ns.dir)
        summary = dump(target, **options)
        sys.stderr.write("retention_graph_export: wrote %s (%d nodes, %d edges, %.1f s)\n"
                         % (target, summary["nodes"], summary["edges"], summary["seconds"]))
    return status


_DUMPER_CODES.update(c.__code__ for c in (dump, _dump))

if __name__ == "__main__":
    sys.exit(main())
