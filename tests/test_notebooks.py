"""The notebook gallery runs headless (nbclient + ipykernel) and renders every result."""

import os

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = ["homework_checking.ipynb", "matrix_calculus.ipynb", "kkt.ipynb", "em.ipynb"]


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_executes(root, name, monkeypatch):
    folder = root / "examples" / "notebooks"
    nb = nbformat.read(folder / name, as_version=4)
    # the kernel imports this checkout's derive, not an installed copy
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nbclient.NotebookClient(nb, timeout=180, kernel_name="python3",
                            resources={"metadata": {"path": str(folder)}}).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    rich = [o for o in outputs if o.get("output_type") == "execute_result"]
    assert rich and all("text/html" in o["data"] or "image/png" in o["data"] or "text/latex" in o["data"]
                        for o in rich), "every result shows as HTML, LaTeX or a picture, not as a repr"
    assert all("{" not in o["data"].get("text/plain", "")[:1] for o in rich)  # no raw JSON dumps
