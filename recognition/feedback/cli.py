import click


@click.group("feedback")
def feedback_group():
    """Ask mentees for feedback on their mentors, and remind them."""
