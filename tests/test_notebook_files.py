"""Stored notebooks: executed in order, with outputs, no errors, no TensorFlow log noise.
(nbval re-executes them and compares outputs; this checks what readers see on GitHub.)"""

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


def test_there_are_nine_or_more_numbered_notebooks():
    names = [p.name for p in NOTEBOOKS]
    assert [n[:2] for n in names] == [f"{i:02d}" for i in range(1, len(names) + 1)]
    assert len(names) >= 9


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_notebook_is_clean(path):
    nb = json.loads(path.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    counts = [c["execution_count"] for c in code]
    assert None not in counts, "commit notebooks executed"
    assert counts == list(range(1, len(code) + 1)), "restart the kernel and run all"
    for c in code:
        for out in c["outputs"]:
            assert out["output_type"] != "error", "".join(c["source"])[:80]
            if out.get("name") == "stderr":
                text = "".join(out["text"])
                assert not re.search(r"tensorflow|cuda|oneDNN|absl|I0000|W0000|E0000", text)
                assert "Warning" not in text, text
    first = nb["cells"][0]
    assert first["cell_type"] == "markdown" and "**Goal.**" in "".join(first["source"])
    assert "**Prerequisites.**" in "".join(first["source"])
    text = "".join("".join(c["source"]) for c in nb["cells"])
    assert "## Exercises" in text
    references = text.split("## References", 1)[-1]
    assert "## References" in text and re.search(r"\(\d{4}\)", references), \
        "cite sources with their year"
