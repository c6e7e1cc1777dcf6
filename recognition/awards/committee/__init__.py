"""The committee of a cycle: who sits on it and who of them is recused from which
nomination (``recusal``: who may score what), scoring on the award's rubric, the ranking
(``ranking``, pure), its downloads, and the assignment notices."""
