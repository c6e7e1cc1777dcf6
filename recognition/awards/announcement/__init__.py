"""The announcement: the grants a cycle's winners receive when it is announced (a ledger
entry, a certificate, a signed Open Badges credential: ``badges`` is how a badge is
signed), their revocation, their verification, the notices to winners and nominees, and
the pages where winners and the public see them."""
