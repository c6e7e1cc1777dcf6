"""Institutional sign-in with OpenID Connect: the university says who someone is, the
roster says whether they belong here."""
