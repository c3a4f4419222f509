"""Which records are one paper, at cluster scale, with `kg.ingest.read.read_papers`' answer.

`read_papers` merges records in the order it reads them: a record joins the paper that first took its arXiv
id, else the paper that first took its normalised title (`match_key`), else it starts a paper; only a paper's
first record registers its title, and a paper registers one arXiv id (its first record's, or the first one a
later record filled in). That is a sequential rule, so on a cluster the records are split in two:

- **simple** (nearly all): every record of the title has the same arXiv id or none, and that arXiv id is
  written with no other title. Such a title's records are one paper whatever the order, so they are grouped by
  title on the executors and merged there in read order (`merged_paper`: the first record's fields win,
  sources are appended, missing fields filled).
- **tangled**: a title written with two arXiv ids, or an arXiv id with two titles (a retitled version, a
  typo), and everything linked to them. Whether two such records are one paper depends on which came first,
  so their (order, title key, arXiv id), a few dozen bytes each, go to the driver, which runs `read_papers`'
  rule on them in read order (`first_records`). Then they too are grouped (by their paper's first record)
  and merged on the executors.

No record of a tangled title shares a title key or an arXiv id with a simple one (a title's classification
covers every record of the title and of its arXiv id), so the two halves do not meet, and the papers are
those `read_papers` makes from the same files in the same order.
"""

from __future__ import annotations

from collections.abc import Iterable

Order = tuple[int, int]


def first_records(records: Iterable[tuple[Order, str, str | None]]) -> dict[Order, Order]:
    """For records in read order, (order, title key, arXiv id): the order of each one's paper's first record,
    by `kg.ingest.read.read_papers`' rule (see the module docstring)."""
    by_key: dict[str, Order] = {}
    by_arxiv: dict[str, Order] = {}
    arxiv_of: dict[Order, str | None] = {}  # each paper's arXiv id, as read_papers' Paper.arxiv_id evolves
    out: dict[Order, Order] = {}
    for order, key, arxiv in records:
        existing = (by_arxiv.get(arxiv) if arxiv else None) or by_key.get(key)
        if existing is not None:
            out[order] = existing
            if arxiv_of[existing] is None and arxiv is not None:  # `_fill_missing`
                arxiv_of[existing] = arxiv
            if arxiv_of[existing]:
                by_arxiv.setdefault(arxiv_of[existing] or "", existing)
            continue
        out[order] = order
        by_key[key] = order
        arxiv_of[order] = arxiv
        if arxiv:
            by_arxiv[arxiv] = order
    return out
