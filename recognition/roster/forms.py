from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField


class ImportForm(FlaskForm):
    people = FileField("People file (CSV)")
    mentorships = FileField("Mentorships file (CSV)")
    milestones = FileField("Milestones file (CSV)")
    dry_run = BooleanField("Dry run: check the files and show what would be imported, without storing anything")
