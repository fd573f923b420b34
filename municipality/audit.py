def mask_whole(value: str) -> str:
    """Audit-log mask for sensitive fields: the log records that the field changed, not its value."""
    return "（記録しない項目）"
