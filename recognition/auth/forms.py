from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length, Regexp

# wtforms' Email() needs the email_validator package, which is not a dependency: without
# it every sign-in was a 500. The shape check is enough; the account lookup decides.
EMAIL = Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message="must be an email address")


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), EMAIL, Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])
