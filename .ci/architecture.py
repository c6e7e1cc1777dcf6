"""An import-linter contract that no module imports itself, directly or through others.

import-linter's own contracts say which way imports may go between named layers and
siblings; this one says the whole module graph has no cycle, wherever it is, including
the imports made inside functions (which grimp sees as well). A cycle is reported as the
chain of imports that closes it, each with its line, so the fix is plain.
"""

from __future__ import annotations

import itertools

import grimp
from importlinter import Contract, ContractCheck, fields, output


class AcyclicModulesContract(Contract):
    """Configuration: ``modules`` — the packages whose modules (and all below) are checked;
    ``ignore_modules`` — module expressions left out of the graph (e.g. migrations)."""

    type_name = "acyclic_modules"

    modules = fields.ListField(subfield=fields.ModuleField())
    ignore_modules = fields.ListField(subfield=fields.ModuleExpressionField(), required=False)

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        ignored = set()
        for expression in self.ignore_modules or []:  # type: ignore[attr-defined]
            ignored |= graph.find_matching_modules(expression.expression)
        names: set[str] = set()
        for package in self.modules:  # type: ignore[attr-defined]
            names |= {package.name} | graph.find_descendants(package.name)
        names -= ignored
        edges = {m: sorted(graph.find_modules_directly_imported_by(m) & names) for m in names}
        groups = [group for group in _strongly_connected(edges) if len(group) > 1]
        cycles = [self._chain(graph, edges, group) for group in groups]
        return ContractCheck(kept=not cycles, warnings=[], metadata={"cycles": cycles, "groups": groups})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for cycle, group in zip(check.metadata["cycles"], check.metadata["groups"], strict=True):
            tangled = f" ({len(group)} modules are tangled with it)" if len(group) > len(cycle) else ""
            output.print_error(f"{len(cycle)} modules import each other in a circle{tangled}:", bold=True)
            for importer, imported, lines in cycle:
                output.indent_cursor()
                output.print_error(f"{importer} -> {imported} (l. {lines})")
            output.new_line()

    @staticmethod
    def _chain(graph: grimp.ImportGraph, edges: dict[str, list[str]], group: list[str]):
        """One closed walk through the group, starting at its first module by name."""
        members = set(group)
        start = min(group)
        # Breadth-first from the start back to itself, staying inside the group.
        previous: dict[str, str] = {}
        frontier = [start]
        while frontier and start not in previous:
            following = []
            for module in frontier:
                for imported in edges[module]:
                    if imported in members and imported not in previous:
                        previous[imported] = module
                        following.append(imported)
            frontier = following
        walk = [start]
        while True:
            walk.append(previous[walk[-1]])
            if walk[-1] == start:
                break
        walk.reverse()
        steps = []
        for importer, imported in itertools.pairwise(walk):
            details = graph.get_import_details(importer=importer, imported=imported)
            lines = ", ".join(str(d["line_number"]) for d in details) or "?"
            steps.append((importer, imported, lines))
        return steps


def _strongly_connected(edges: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iteratively (the graph is a few hundred modules deep at most)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                groups.append(sorted(group))
    return groups
