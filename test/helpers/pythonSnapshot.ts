// Builds Python-style snapshots with the exporter's conventions (docs/python-snapshot.md): the root's
// synthetic group nodes "(Python modules)", "(Python thread stacks)", "(Python gc.garbage)" and
// "(Python unreachable)". The builder's "(GC roots)" node stays but holds nothing.
import { SnapshotBuilder } from './snapshotBuilder';
import { PY_GARBAGE, PY_MODULES, PY_STACKS, PY_UNREACHABLE } from '../../extension/core/python';

export class PythonSnapshotBuilder extends SnapshotBuilder {
  readonly modules: number;
  readonly stacks: number;
  readonly garbage: number;
  readonly unreachable: number;
  private counts = new Map<number, number>();

  constructor() {
    super();
    this.modules = this.node('synthetic', PY_MODULES, { selfSize: 0 });
    this.stacks = this.node('synthetic', PY_STACKS, { selfSize: 0 });
    this.garbage = this.node('synthetic', PY_GARBAGE, { selfSize: 0 });
    this.unreachable = this.node('synthetic', PY_UNREACHABLE, { selfSize: 0 });
    let i = 2;
    for (const g of [this.modules, this.stacks, this.garbage, this.unreachable]) this.edge(this.root, g, 'element', i++);
  }

  private nextIndex(group: number): number {
    const i = this.counts.get(group) ?? 0;
    this.counts.set(group, i + 1);
    return i;
  }

  /** A module node "module <name>" under "(Python modules)". */
  module(name: string): number {
    const m = this.obj(`module ${name}`, 64);
    this.prop(this.modules, m, name);
    return m;
  }

  /** Puts objects into gc.garbage. */
  inGarbage(...nodes: number[]): this {
    for (const n of nodes) this.edge(this.garbage, n, 'element', this.nextIndex(this.garbage));
    return this;
  }

  /** Puts objects under "(Python unreachable)". */
  inUnreachable(...nodes: number[]): this {
    for (const n of nodes) this.edge(this.unreachable, n, 'element', this.nextIndex(this.unreachable));
    return this;
  }

  /** Frame local (context edge). */
  local(frame: number, to: number, name: string): this {
    return this.edge(frame, to, 'context', name);
  }
}
