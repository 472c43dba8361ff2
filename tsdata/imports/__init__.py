"""Shared import machinery: staging schema, streaming COPY, swap, post-load steps."""
