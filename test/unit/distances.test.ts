// Distances with DevTools' rules on tiny graphs (expected values worked out by hand).
import { strict as assert } from 'node:assert';
import { SnapshotBuilder } from '../helpers/snapshotBuilder';
import { seededInts, weakMapNameOrNearMiss } from '../helpers/random';
import { computeDistances, computeDistancesAndPageOwned, BASE_SYSTEM_DISTANCE, NO_DISTANCE } from '../../extension/core/distances';
import { analyze, UNREACHABLE } from '../../extension/core/analysis';
import { computePageOwned, IdSet, isSkippedMapDescriptorEdge, isUserRoot, NOT_PARSED, PendingWeakMapPairs, WeakMapEdgeNames } from '../../extension/core/edgeRules';
import { StringTable, type HeapSnapshot } from '../../extension/core/model';

describe('distances', () => {
  it('without user roots: hops from the root, weak edges not followed', () => {
    const b = new SnapshotBuilder();
    const x = b.obj('X');
    const y = b.obj('Y');
    const w = b.obj('WeakOnly');
    const wc = b.obj('BehindWeak');
    b.gcRoot(x).prop(x, y, 'y').edge(y, w, 'weak', 'w').prop(w, wc, 'c');
    const d = computeDistances(b.build());
    assert.equal(d[b.root], 0);
    assert.equal(d[b.gcRoots], 1);
    assert.equal(d[x], 2);
    assert.equal(d[y], 3);
    assert.equal(d[w], NO_DISTANCE);
    assert.equal(d[wc], NO_DISTANCE);
    assert.equal(NO_DISTANCE, UNREACHABLE);
  });

  it('user roots start at 1; nodes only system roots reach get BASE_SYSTEM_DISTANCE + hops', () => {
    const b = new SnapshotBuilder();
    const g = b.obj('global');
    const a = b.obj('A');
    const sysOnly = b.obj('SystemOnly');
    const both = b.obj('Both');
    b.edge(b.root, g, 'shortcut', 'global').prop(g, a, 'a').prop(a, both, 'b');
    b.gcRoot(sysOnly).gcRoot(both);
    const d = computeDistances(b.build());
    assert.equal(d[g], 1);
    assert.equal(d[a], 2);
    assert.equal(d[both], 3, 'the user-root BFS runs first and wins');
    assert.equal(d[b.root], BASE_SYSTEM_DISTANCE);
    assert.equal(d[b.gcRoots], BASE_SYSTEM_DISTANCE + 1);
    assert.equal(d[sysOnly], BASE_SYSTEM_DISTANCE + 2);
  });

  it('"(Document DOM trees)" is a user root even though synthetic', () => {
    const b = new SnapshotBuilder();
    const trees = b.node('synthetic', '(Document DOM trees)', { selfSize: 0 });
    const doc = b.node('native', 'HTMLDocument');
    b.edge(b.root, trees, 'element', 2).edge(trees, doc, 'element', 1);
    const d = computeDistances(b.build());
    assert.equal(d[trees], 1);
    assert.equal(d[doc], 2);
    assert.equal(d[b.gcRoots], BASE_SYSTEM_DISTANCE + 1);
  });

  it('skips sloppy_function_map from a NativeContext and the descriptor slots of (map descriptors)', () => {
    const b = new SnapshotBuilder();
    const g = b.obj('global');
    const ctx = b.node('hidden', 'system / NativeContext');
    const sloppy = b.node('object shape', 'system / Map');
    const other = b.node('object shape', 'system / Map');
    const desc = b.node('array', '(map descriptors)');
    const slots: number[] = [];
    for (let i = 0; i < 8; i++) {
      const t = b.node('string', `slot${i}`);
      slots.push(t);
      b.edge(desc, t, 'element', i);
    }
    b.edge(b.root, g, 'shortcut', 'global').edge(g, ctx, 'internal', 'native_context');
    b.edge(ctx, sloppy, 'internal', 'sloppy_function_map').edge(ctx, other, 'internal', 'strict_function_map');
    b.edge(g, desc, 'internal', 'descriptors');
    // the same edge name from an ordinary hidden node is followed
    const plain = b.node('hidden', 'system / Other');
    const viaPlain = b.node('object shape', 'system / Map');
    b.edge(g, plain, 'internal', 'p').edge(plain, viaPlain, 'internal', 'sloppy_function_map');
    const d = computeDistances(b.build());
    assert.equal(d[ctx], 2);
    assert.equal(d[other], 3);
    assert.equal(d[sloppy], NO_DISTANCE, 'only reachable through sloppy_function_map');
    assert.equal(d[viaPlain], 3);
    // indexes 0, 1 kept; then i % 3 == 1 skipped (4, 7); 2, 3, 5, 6 kept
    const expected = [3, 3, 3, 3, NO_DISTANCE, 3, 3, NO_DISTANCE];
    assert.deepEqual(slots.map((s) => d[s]), expected);
  });

  it('a WeakMap value gets max(table, key) + 1 (first edge of the pair skipped)', () => {
    const b = new SnapshotBuilder();
    const g = b.obj('global');
        const table = b.node('array', 'system / EphemeronHashTable', { id: 501 });
    const holder = b.obj('Holder');
    const key = b.obj('Key');
    const value = b.obj('Value');
    const pair = 'part of key (Key @7) -> value (Value @9) pair in WeakMap (table @501)';
    b.edge(b.root, g, 'shortcut', 'global').prop(g, holder, 'h').prop(holder, key, 'k');
    b.edge(g, table, 'internal', 'table').edge(table, value, 'internal', `3 / ${pair}`);
    b.edge(key, value, 'internal', `4 / ${pair}`);
    const d = computeDistances(b.build());
    assert.equal(d[table], 2);
    assert.equal(d[key], 3);
    assert.equal(d[value], 4, 'from the key (the second edge of the pair), not the table');
    // an internal edge whose name only looks similar is an ordinary edge
    const b2 = new SnapshotBuilder();
    const g2 = b2.obj('global');
    const v2 = b2.obj('V');
    b2.edge(b2.root, g2, 'shortcut', 'global').edge(g2, v2, 'internal', 'x / part of key (K @1) -> value (V @2) pair in WeakMap (table @3)');
    assert.equal(computeDistances(b2.build())[v2], 2);
  });

  it('a WeakMap value whose key is unreachable keeps no distance', () => {
    const b = new SnapshotBuilder();
    const g = b.obj('global');
    const table = b.node('array', 'system / EphemeronHashTable', { id: 601 });
    const key = b.obj('Key');
    const value = b.obj('Value');
    const pair = 'part of key (Key @3) -> value (Value @5) pair in WeakMap (table @601)';
    b.edge(b.root, g, 'shortcut', 'global').prop(g, table, 't').edge(table, value, 'internal', `1 / ${pair}`);
    b.edge(key, value, 'internal', `2 / ${pair}`);
    const a = analyze(b.build());
    assert.equal(a.distances[value], UNREACHABLE);
    assert.equal(a.distances[key], UNREACHABLE);
  });

  it('WeakMap pair memory: first of a pair skipped, second followed, across many pairs', () => {
    const strings: string[] = [''];
    const name = (n: number, k: number, t: number) =>
      `${n} / part of key (Key @${k}) -> value (Value @${k + 1}) pair in WeakMap (table @${t})`;
    const count = 5000;
    for (let k = 0; k < count; k++) strings.push(name(1, k, 77), name(2, k, 77));
    strings.push('3 / part of key (Key @0) -> value (Value @1) pair in WeakMap (table @78)');
    strings.push('not / a pair');
    const names = new WeakMapEdgeNames(StringTable.from(strings));
    assert.equal(names.isPairName(strings.length - 1), false);
    assert.equal(names.tableId(1), 77);
    assert.equal(names.pairKey(1), names.pairKey(2));
    const pending = new PendingWeakMapPairs(names);
    // all first edges (grows the table past several rehashes), then all second edges
    for (let k = 0; k < count; k++) assert.equal(pending.skip(1 + 2 * k), true);
    assert.equal(pending.skip(strings.length - 2), true, 'same ids, other table: another pair');
    for (let k = count - 1; k >= 0; k--) assert.equal(pending.skip(2 + 2 * k), false);
    assert.equal(pending.skip(1), true, 'a third edge of a pair starts over');
    assert.equal(pending.skip(2), false);
  });

  it('page-owned flags from the distance traversal equal the separate page-owned pass (300 random graphs)', () => {
    const rnd = seededInts(1234567);
    let fusedCases = 0;
    let filteredOwned = 0;
    for (let round = 0; round < 300; round++) {
      const b = new SnapshotBuilder();
      const g = b.obj('global', 8);
      const rootsKind = rnd(5);
      if (rootsKind === 0) b.gcRoot(g); // no user roots
      else b.edge(b.root, g, 'shortcut', 'global');
      const nodes: number[] = [g];
      const count = 4 + rnd(40);
      for (let i = 0; i < count; i++) {
        const kind = rnd(10);
        if (kind < 5) nodes.push(b.obj(`C${rnd(4)}`, 1 + rnd(64)));
        else if (kind < 7) nodes.push(b.node('array', rnd(2) === 0 ? '(map descriptors)' : '', { selfSize: 1 }));
        else if (kind < 9) nodes.push(b.node('hidden', rnd(2) ? 'system / NativeContext' : 'system / Other', { selfSize: 1 }));
        else nodes.push(b.node('synthetic', `(S${i})`, { selfSize: 0 }));
      }
      const pick = () => nodes[rnd(nodes.length)];
      for (let i = 0; i < 1 + rnd(3); i++) b.gcRoot(pick());
      // a shortcut to another node, or an element edge from the root: starts and user roots may differ
      if (rnd(4) === 0) b.edge(b.root, pick(), 'shortcut', 'other');
      if (rnd(6) === 0) b.edge(b.root, pick(), 'element', 1);
      const types = ['property', 'element', 'internal', 'hidden', 'weak', 'context', 'shortcut'];
      for (let i = 0, m = rnd(4 * count); i < m; i++) {
        const ty = types[rnd(types.length)];
        const name = ty === 'element' || ty === 'hidden' ? rnd(9) : (rnd(4) === 0 ? 'sloppy_function_map' : `p${rnd(5)}`);
        b.edge(pick(), pick(), ty, name);
      }
      for (let i = 0; i < rnd(5); i++) {
        const table = pick();
        const key = pick();
        const value = pick();
        const dup = `part of key (K @${key}) -> value (V @${value}) pair in WeakMap (table @${table * 2 + 1})`;
        b.edge(table, value, 'internal', `${rnd(9)} / ${dup}`);
        if (rnd(3) !== 0) b.edge(key, value, 'internal', `${rnd(9)} / ${dup}`);
      }
      const snap = b.build();
      const both = computeDistancesAndPageOwned(snap);
      const want = computePageOwned(snap);
      assert.deepEqual(Array.from(both.pageOwned!), Array.from(want), `round ${round}`);
      assert.deepEqual(Array.from(both.distances), Array.from(computeDistances(snap)), `round ${round}`);
      const d = both.distances;
      let userRootsOnly = true;
      for (let e = snap.firstEdge[0]; e < snap.firstEdge[1]; e++) if (snap.edgeType[e] !== snap.types.edgeShortcut && snap.nodeType[snap.edgeTo[e]] !== snap.types.nodeSynthetic) userRootsOnly = false;
      if (userRootsOnly && rootsKind !== 0) {
        fusedCases++;
        for (let n = 0; n < snap.nodeCount; n++) if (want[n] && !(d[n] >= 1 && d[n] < BASE_SYSTEM_DISTANCE)) filteredOwned++;
      }
    }
    // the interesting case occurs: owned nodes the filtered user-root BFS did not reach
    assert.ok(fusedCases > 100, `${fusedCases} graphs take the one-traversal path`);
    assert.ok(filteredOwned > 20, `${filteredOwned} owned nodes reached only past a filtered edge`);
  });

  it('WeakMap edge names parsed ahead (prepare) answer as parsed on demand; one instance per strings array', () => {
    const strings = ['', 'x', '12 / part of key (K @3) -> value (V @5) pair in WeakMap (table @7)',
      '9 / part of key (K @3) -> value (V @5) pair in WeakMap (table @7)', '3 / part of key (K @4) -> value (V @5) pair in WeakMap (table @99999999999)',
      '1 / not a weakmap edge name but long enough to pass the first checks ......', 'part of key (K @3) -> value (V @5) pair in WeakMap (table @7)'];
    for (let i = 0; i < 300; i++) strings.push(`${i % 10} / part of key (Obj @${i}) -> value (Val @${i * 7}) pair in WeakMap (table @${i % 3})`);
    const table = StringTable.from(strings);
    const ahead = WeakMapEdgeNames.forStrings(table);
    assert.equal(WeakMapEdgeNames.forStrings(table), ahead);
    ahead.prepare(0, strings.length);
    const lazy = new WeakMapEdgeNames(StringTable.from(strings));
    for (let s = 0; s < strings.length; s++) {
      assert.equal(ahead.isPairName(s), lazy.isPairName(s), strings[s]);
      assert.equal(ahead.tableId(s), lazy.tableId(s), strings[s]);
      assert.equal(ahead.pairHash(s), lazy.pairHash(s), strings[s]);
    }
    assert.equal(ahead.isPairName(2), true);
    assert.equal(ahead.tableId(2), 7);
    assert.equal(ahead.tableId(4), -1, 'a table id past 32 bits matches no node');
    assert.ok(ahead.samePair(2, 3));
    assert.equal(ahead.isPairName(5), false);
    assert.equal(ahead.isPairName(6), false, 'no leading number');
    // prepared, nothing is left to parse: later lookups only read (another thread may share the cache)
    const { state } = ahead.raw();
    assert.ok(state.every((st) => st !== NOT_PARSED));
    assert.equal(ahead.sharedBuffer(), null, 'not shared when the strings are not');
    // the tables the names name: 7, 0, 1, 2 (not the one past 32 bits); parses what was not parsed
    const tables = lazy.tableIdSet();
    assert.equal(tables.size, 4);
    for (const id of [0, 1, 2, 7]) assert.ok(tables.has(id), `table ${id}`);
    for (const id of [3, 5, 8, 99999999999 % 2 ** 32, 2 ** 32 - 1]) assert.equal(tables.has(id), false, `not ${id}`);
    assert.ok(lazy.raw().state.every((st) => st !== NOT_PARSED));
  });

  it('IdSet: 32-bit ids (0 and past 2^31 too), colliding probes, empty', () => {
    const r16 = seededInts(99);
    const rnd = () => r16(65536) * 65536 + r16(65536);
    const ids = [0, 1, 2 ** 31, 2 ** 32 - 1, 2 ** 31 - 1];
    for (let i = 0; i < 500; i++) ids.push(rnd());
    // multiples of a power of two land on few slots of a multiplicative hash without a good multiplier
    for (let i = 1; i < 200; i++) ids.push(i * 65536);
    const set = new IdSet(ids);
    const want = new Set(ids);
    assert.equal(set.size, want.size);
    for (const id of want) assert.ok(set.has(id), `${id}`);
    let misses = 0;
    for (let i = 0; i < 5000; i++) {
      const id = rnd();
      assert.equal(set.has(id), want.has(id), `${id}`);
      if (!want.has(id)) misses++;
    }
    assert.ok(misses > 4000);
    const none = new IdSet([]);
    assert.equal(none.size, 0);
    for (const id of [0, 1, 2 ** 32 - 1]) assert.equal(none.has(id), false);
    const zero = new IdSet([5]);
    assert.equal(zero.has(0), false, 'a free slot is no id 0');
  });

  it('a prepared cache on shared strings is read through its buffer by another instance', () => {
    const strings = ['', 'x'];
    for (let i = 0; i < 200; i++) strings.push(`${i} / part of key (Obj @${i}) -> value (Val @${i * 7}) pair in WeakMap (table @${i % 5})`);
    strings.push('not one');
    const shared = StringTable.from(strings, { shared: true });
    const names = new WeakMapEdgeNames(shared);
    const buffer = names.sharedBuffer();
    assert.ok(buffer instanceof SharedArrayBuffer);
    names.prepare(0, strings.length);
    const before = Buffer.from(new Uint8Array(buffer)).toString('base64');
    const other = new WeakMapEdgeNames(shared, buffer);
    const lazy = new WeakMapEdgeNames(StringTable.from(strings));
    for (let s = 0; s < strings.length; s++) {
      assert.equal(other.isPairName(s), lazy.isPairName(s), strings[s]);
      assert.equal(other.tableId(s), lazy.tableId(s), strings[s]);
      assert.equal(other.pairHash(s), lazy.pairHash(s), strings[s]);
    }
    assert.equal(other.tableId(7), 0);
    assert.equal(Buffer.from(new Uint8Array(buffer)).toString('base64'), before, 'the reader wrote nothing');
  });
});

/**
 * DevTools' distance BFS written plainly (one FIFO queue, filter per edge to an unvisited node, the
 * WeakMap pair memory as a Map of duplicated parts): the reference for the level-ordered BFS.
 */
function fifoDistances(snap: HeapSnapshot): Int32Array {
  const names = new WeakMapEdgeNames(snap.strings);
  const { firstEdge, edgeTo, edgeType, edgeNameOrIndex, nodeType, strings, nodeName } = snap;
  const ty = snap.types;
  const dist = new Int32Array(snap.nodeCount).fill(NO_DISTANCE);
  const pending = new Set<string>();
  const bfs = (queue: number[]) => {
    for (let head = 0; head < queue.length; head++) {
      const n = queue[head];
      const nativeContext = nodeType[n] === ty.nodeHidden && strings.get(nodeName[n]) === 'system / NativeContext';
      const descriptors = nodeType[n] === ty.nodeArray && strings.get(nodeName[n]) === '(map descriptors)';
      for (let e = firstEdge[n]; e < firstEdge[n + 1]; e++) {
        const t = edgeTo[e];
        if (edgeType[e] === ty.edgeWeak || dist[t] !== NO_DISTANCE) continue;
        if (nativeContext && edgeType[e] !== ty.edgeElement && edgeType[e] !== ty.edgeHidden
          && snap.edgeHasStringName(e) && strings.get(edgeNameOrIndex[e]) === 'sloppy_function_map') continue;
        if (descriptors) {
          if (isSkippedMapDescriptorEdge(snap, e)) continue;
        } else if (edgeType[e] === ty.edgeInternal) {
          const key = names.pairKey(edgeNameOrIndex[e]);
          if (key !== undefined) {
            if (!pending.has(key)) {
              pending.add(key);
              continue;
            }
            pending.delete(key);
          }
        }
        dist[t] = dist[n] + 1;
        queue.push(t);
      }
    }
  };
  const root = snap.rootOrdinal;
  const users: number[] = [];
  for (let e = firstEdge[root]; e < firstEdge[root + 1]; e++) {
    if (isUserRoot(snap, edgeTo[e])) {
      dist[edgeTo[e]] = 1;
      users.push(edgeTo[e]);
    }
  }
  bfs(users);
  dist[root] = users.length > 0 ? BASE_SYSTEM_DISTANCE : 0;
  bfs([root]);
  return dist;
}

describe('WeakMap edge names: byte matcher against the regex', () => {
  // DevTools' pattern (HeapSnapshot.ts tryParseWeakMapEdgeName), written here on its own
  const pattern = /^\d+ \/ part of key \(.*? @\d+\) -> value \(.*? @(\d+)\) pair in WeakMap \(table @(\d+)\)$/;

  it('agrees with the regex on names and near misses, ASCII or not; a needlessly escaped copy gives the same hash', () => {
    const rnd = seededInts(11);
    const parts = ['Object', 'Foo bar', 'ü', '', ') -> value (', ' @12', 'x\u2028y', 'Map @3) -> value (Set', '日本', 'a\nb', '"q"'];
    const names: string[] = [];
    for (let r = 0; r < 3000; r++) {
      const table = String(rnd(3) === 0 ? 99999999999 : rnd(9999));
      names.push(weakMapNameOrNearMiss(rnd, parts, table, ['@', ')', '(', ' ', '1', 'a', 'é', '/']));
    }
    const table = new StringTable();
    const enc = new TextEncoder();
    for (const s of names) {
      table.add(s);
      // the same text with every "/" written as "\/": decoded, not matched on its bytes
      const body = enc.encode(JSON.stringify(s).slice(1, -1).replace(/\//g, '\\/'));
      table.addBytes(body, 0, body.length, true);
    }
    table.finish();
    const wm = new WeakMapEdgeNames(table);
    let matches = 0;
    let nonAscii = 0;
    for (let i = 0; i < names.length; i++) {
      const s = names[i];
      assert.equal(table.get(2 * i + 1), s);
      const m = s.length > 60 ? pattern.exec(s) : null;
      if (m) {
        matches++;
        if (/[^\x20-\x7e]/.test(s)) nonAscii++;
      }
      for (const k of [2 * i, 2 * i + 1]) {
        assert.equal(wm.isPairName(k), m !== null, `${k}: ${JSON.stringify(s)}`);
        const id = m ? Number(m[2]) : -1;
        assert.equal(wm.tableId(k), id <= 0xffffffff ? id : -1, `table id of ${JSON.stringify(s)}`);
      }
      assert.equal(wm.pairHash(2 * i), wm.pairHash(2 * i + 1), `hash of ${JSON.stringify(s)}`);
      if (m) assert.ok(wm.samePair(2 * i, 2 * i + 1));
    }
    assert.ok(matches > 500 && matches < 2900, `${matches} names match`);
    assert.ok(nonAscii > 100, `${nonAscii} matching names are not ASCII`);
  });
});

describe('distances: level-ordered BFS', () => {
  it('equals a plain FIFO BFS on layered graphs whose levels are reordered (sorted and bit-set paths, WeakMap pairs inside levels)', function () {
    this.timeout(60_000);
    const rnd = seededInts(24681357);
    for (let round = 0; round < 3; round++) {
      const b = new SnapshotBuilder();
      const g = b.obj('global', 8);
      b.edge(b.root, g, 'shortcut', 'global');
      // layers of 70–300 nodes (a typed-array sort orders them: the graph has > 131 k nodes) and
      // a few of 6000 (a bit set orders them)
      const layers: number[][] = [[g]];
      let total = 0;
      while (total < 150_000) {
        const width = rnd(8) === 0 ? 6000 : 70 + rnd(230);
        const layer: number[] = [];
        for (let i = 0; i < width; i++) {
          const kind = rnd(20);
          layer.push(kind === 0 ? b.node('hidden', 'system / NativeContext', { selfSize: 4 })
            : kind === 1 ? b.node('array', '(map descriptors)', { selfSize: 4 })
              : b.obj(`C${rnd(5)}`, 8));
        }
        total += width;
        layers.push(layer);
      }
      const pickIn = (l: number) => layers[l][rnd(layers[l].length)];
      for (let l = 0; l + 1 < layers.length; l++) {
        // everything in layer l+1 has a parent in layer l, in a shuffled order of parents
        for (const t of layers[l + 1]) {
          const ty = rnd(10);
          b.edge(pickIn(l), t, ty === 0 ? 'element' : 'property', ty === 0 ? rnd(9) : (rnd(10) === 0 ? 'sloppy_function_map' : `p${rnd(4)}`));
        }
        for (let i = 0; i < layers[l].length; i++) {
          const ty = ['property', 'weak', 'internal', 'hidden', 'element'][rnd(5)];
          const to = l + 2 < layers.length && rnd(2) === 0 ? l + 2 : l + 1;
          b.edge(pickIn(l), pickIn(to), ty, ty === 'element' || ty === 'hidden' ? rnd(9) : `q${rnd(4)}`);
        }
        // WeakMap pairs from inside the layer (both edges met in the same level, in either order)
        // and across layers (second edge a level later)
        for (let i = 0; i < 40; i++) {
          const table = pickIn(l);
          const key = rnd(2) === 0 ? pickIn(l) : pickIn(Math.max(0, l - 1));
          const value = pickIn(Math.min(layers.length - 1, l + 1 + rnd(2)));
          const dup = `part of key (K @${key}) -> value (V @${value}) pair in WeakMap (table @${table})`;
          b.edge(table, value, 'internal', `${rnd(9)} / ${dup}`);
          if (rnd(4) !== 0) b.edge(key, value, 'internal', `${rnd(9)} / ${dup}`);
        }
      }
      for (let i = 0; i < 20; i++) b.gcRoot(pickIn(rnd(layers.length)));
      const snap = b.build();
      const want = fifoDistances(snap);
      const got = computeDistances(snap);
      let diffs = 0;
      let reached = 0;
      for (let n = 0; n < snap.nodeCount; n++) {
        if (got[n] !== want[n]) diffs++;
        if (want[n] > 0) reached++;
      }
      assert.equal(diffs, 0, `round ${round}: ${diffs} distances differ`);
      assert.ok(reached > 140_000, `round ${round}: ${reached} nodes reached`);
    }
  });
});
