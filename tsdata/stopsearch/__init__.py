"""Find a Stop: the stop search pages of the states whose stops carry officer ids (NC, MD).

One machinery (form rules, filters, keyset pages, CSV export, view) configured per state by a
``StopSearchConfig`` declared in ``<state>/stopsearch.py``; see docs/find-a-stop.md.
"""
