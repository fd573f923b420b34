"""The system's name, shown in page titles, the admin's header and mail (one place for every layer)."""

SYSTEM_NAME = "地域支え合い・重層的支援 管理システム"
