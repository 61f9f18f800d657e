"""cloudexit-ci: AWS Terraform -> self-hosted Docker Compose stack, kept in sync."""

from __future__ import annotations

__version__ = "0.1.0"
