"""Nominations: nominating and the statements, withdrawals, the nominee's philosophy,
supporting letters (``letters``; PDFs checked in ``pdf``), the evidence frozen when
nominations close, suggested nominees, the nomination package, and the pages and API."""
