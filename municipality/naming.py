"""The application's own name, shown beside the municipality's in page titles and mail."""

SYSTEM_NAME = "地域支え合い・重層的支援 管理システム"
