"""Test-run plumbing for every path pytest collects (tests/, chapters/, appendix/).

Under pytest-xdist (pyproject: ``-n 2 --dist loadfile``) tests run on two workers, one file
at a time: each notebook's cells run in order in one kernel, and a test module's fixtures
are made once. (The book, which several test modules read, is built once per run behind a
lock: see ``built_book`` in tests/conftest.py.) This hook lives at the root because nbval's
notebook items are not under tests/ and a conftest only sees its own folder.
"""

from __future__ import annotations

import pytest

# Files go out longest first (a guess from a quiet run; a wrong guess costs time, never a
# result): the last file to start decides how long the run takes.
LONGEST_FIRST = ["tests/test_colab_stack.py", "chapters/11_", "chapters/12_", "chapters/08_",
                 "chapters/09_", "tests/test_book.py", "chapters/10_", "chapters/06_",
                 "tests/test_lowest_versions.py", "chapters/04_", "chapters/07_", "chapters/05_"]


def _rank(item: pytest.Item) -> int:
    path = item.nodeid.split("::")[0]
    return next((i for i, prefix in enumerate(LONGEST_FIRST) if path.startswith(prefix)),
                len(LONGEST_FIRST))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_rank)  # a stable sort: the order within a file is kept
