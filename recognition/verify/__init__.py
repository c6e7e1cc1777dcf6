"""Verification: the public pages and API that check a certificate by its code (a credit
statement, an award grant or an issued dossier, which share one space of codes), an
uploaded PDF, a signed copy, or an Open Badges credential. It sits above credits, awards
and dossiers, and nothing imports it but the app."""
