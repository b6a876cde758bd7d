"""A small reader for the exporter's output, used by the tests: nodes, edges and names by ordinal."""
import json


class Snapshot:
    def __init__(self, path):
        with open(path, encoding="utf-8") as fh:
            self.raw = raw = json.load(fh)
        meta = raw["snapshot"]["meta"]
        self.nf = len(meta["node_fields"])
        self.ef = len(meta["edge_fields"])
        self.node_types = meta["node_types"][0]
        self.edge_types = meta["edge_types"][0]
        nodes, edges, strings = raw["nodes"], raw["edges"], raw["strings"]
        self.strings = strings
        self.count = len(nodes) // self.nf
        nfi = {f: i for i, f in enumerate(meta["node_fields"])}
        self.f_type, self.f_name, self.f_id = nfi["type"], nfi["name"], nfi["id"]
        self.f_size, self.f_ec, self.f_trace = nfi["self_size"], nfi["edge_count"], nfi["trace_node_id"]
        self.first_edge = [0] * (self.count + 1)
        acc = 0
        for n in range(self.count):
            self.first_edge[n] = acc
            acc += nodes[n * self.nf + self.f_ec]
        self.first_edge[self.count] = acc
        assert acc * self.ef == len(edges), (acc, len(edges))

    def node(self, n, field):
        return self.raw["nodes"][n * self.nf + field]

    def name(self, n):
        return self.strings[self.node(n, self.f_name)]

    def type(self, n):
        return self.node_types[self.node(n, self.f_type)]

    def size(self, n):
        return self.node(n, self.f_size)

    def edges(self, n):
        """[(edge type, name or index, target ordinal)] of node n."""
        e = self.raw["edges"]
        out = []
        for k in range(self.first_edge[n], self.first_edge[n + 1]):
            t = self.edge_types[e[k * self.ef]]
            v = e[k * self.ef + 1]
            if t not in ("element", "hidden"):
                v = self.strings[v]
            out.append((t, v, e[k * self.ef + 2] // self.nf))
        return out

    def edge(self, n, name, types=None):
        """Target ordinal of n's first edge called `name` (of one of `types`), or None."""
        for t, v, to in self.edges(n):
            if v == name and (types is None or t in types):
                return to
        return None

    def find(self, pred):
        return [n for n in range(self.count) if pred(self.name(n))]

    def group(self, gname):
        for _, _, to in self.edges(0):
            if self.name(to) == gname:
                return to
        return None

    def reachable_from(self, start, skip=()):
        seen = {start}
        stack = [start]
        while stack:
            n = stack.pop()
            for t, _, to in self.edges(n):
                if t == "weak" or to in seen or to in skip:
                    continue
                seen.add(to)
                stack.append(to)
        return seen
