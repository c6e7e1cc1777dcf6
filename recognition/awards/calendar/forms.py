from flask_wtf import FlaskForm


class RotateFeedForm(FlaskForm):
    """Replace the personal feed address (the form carries only its CSRF token)."""
