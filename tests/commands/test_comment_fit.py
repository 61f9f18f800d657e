"""cloudexit_ci.commands.comment_fit: cutting a report to GitHub's size limits."""

from __future__ import annotations

from cloudexit_ci.commands.comment_fit import fit_body


def test_fit_body_chars_and_bytes() -> None:
    body = "<!-- m -->\n" + "\n".join(f"line {i} ü" for i in range(50_000))
    text, cut = fit_body(body, 10_000)
    assert cut and len(text) <= 10_000 and text.startswith("<!-- m -->\nline 0 ü")
    text, cut = fit_body(body, 10_000, unit="bytes")
    assert cut and len(text.encode()) <= 10_000
    assert fit_body("short", 10) == ("short", False)


def test_fit_body_closes_an_unclosed_fence_and_details() -> None:
    body = "<!-- m -->\n<details>\n\n```diff\n" + "\n".join("+x" * 50 for _ in range(5000))
    text, _ = fit_body(body, 4000)
    assert len(text) <= 4000
    assert text.count("```") == 2 and text.count("</details>") == 1
