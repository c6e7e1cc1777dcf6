"""``recognition statements``: the year-end batch and offline checks."""

import click


@click.group("statements")
def statements_group():
    """Issue credit statements and check signed ones."""
