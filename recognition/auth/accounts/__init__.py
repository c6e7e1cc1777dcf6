"""Disabling and enabling accounts, recorded with who, why and when."""
