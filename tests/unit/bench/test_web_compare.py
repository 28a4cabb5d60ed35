from pathlib import Path

from bench import common, web_compare


def test_rows_give_the_median_and_range_of_the_rounds_per_version_and_event():
    before = web_compare.Version("before", "http://x", 1)
    after = web_compare.Version("after", "http://y", 2)
    for version, cpu in ((before, [9.0, 11.0, 10.0]), (after, [7.0, 8.5, 8.0])):
        version.cpu_per_event = {"save": cpu, "ask_delete": [1.5, 1.7]}
        version.latencies = {"save": [10.0, 20.0, 30.0], "ask_delete": [2.0, 4.0]}
    rows = web_compare.rows([before, after])
    assert [row[:2] for row in rows] == [
        ["before", "save"], ["after", "save"], ["before", "ask_delete"], ["after", "ask_delete"]
    ]  # fmt: skip
    assert rows[0][2:5] == [3, 10.0, "9.00-11.00"]
    assert rows[1][3] == 8.0
    assert rows[2][4] == "1.50-1.70"


def test_the_older_version_is_a_worktree_that_shares_the_tools(tmp_path: Path):
    checkout = web_compare.worktree("HEAD", tmp_path / "before")
    try:
        assert (checkout / "healthapp" / "launcher.py").is_file()
        assert (checkout / ".tools").resolve() == (common.ROOT / ".tools").resolve()
        assert web_compare.git("-C", str(checkout), "rev-parse", "HEAD") == web_compare.git(
            "rev-parse", "HEAD"
        )
    finally:
        web_compare.git("worktree", "remove", "--force", str(checkout), check=False)
    assert not checkout.exists()


def test_parse_args_needs_the_version_to_compare_with():
    args = web_compare.parse_args(["--before", "main~1", "--rounds", "2"])
    assert (args.before, args.rounds, args.clients) == ("main~1", 2, 10)
