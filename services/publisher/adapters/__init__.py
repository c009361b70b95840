"""One module per way of reaching a platform: ``http`` (generic REST) and ``webhook`` (signed)."""
