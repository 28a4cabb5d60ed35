import pytest

from healthapp.services.auth.redirects import safe_next_path


@pytest.mark.parametrize(
    "candidate", ["/", "/account", "/records/glucose?page=2", "/a/b#c", "/%2Faccount"]
)
def test_local_paths_are_kept(candidate: str) -> None:
    assert safe_next_path(candidate) == candidate


@pytest.mark.parametrize(
    "candidate",
    [
        None,
        "",
        "account",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "/ok\r\nSet-Cookie: x",
        "/\tx",
        "/login",
        "/login/",
        "/signup?next=/",
    ],
)
def test_anything_else_falls_back(candidate: str | None) -> None:
    assert safe_next_path(candidate) == "/"
