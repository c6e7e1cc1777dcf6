"""Invitations and password resets by email, and changing one's password.

Both kinds of link are signed with the app's SECRET_KEY and carry the person, the purpose
and a fingerprint of the account's password state at the time (``rules``): setting a
password changes that state, so a link works once, and a newer password makes every older
link outdated. Nothing about a link is stored; the ``invitations`` table only records who
invited whom, and when, for the person page.
"""
