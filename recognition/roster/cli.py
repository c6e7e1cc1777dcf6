import click


@click.group("roster")
def roster_group():
    """Import people and mentorships from spreadsheets (CSV)."""
