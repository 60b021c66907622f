"""What a notebook run says on the terminal: nothing (no kernel warning per notebook)."""

from __future__ import annotations

import subprocess
import sys

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

RUN_TWO = """
import sys
from pathlib import Path
from citytools_analysis.build.execute import execute_job
from citytools_analysis.build.plan import NotebookJob
folder = Path(sys.argv[1])
for number in range(2):
    run = execute_job(NotebookJob(folder / "page.ipynb", folder / f"out-{number}.ipynb",
                                  {"value": number}))
    assert run.ok, run.error
print("done")
"""


def test_running_notebooks_prints_no_kernel_warning_and_uses_no_tcp_port(tmp_path):
    notebook = new_notebook(
        cells=[
            new_code_cell("value = 0", metadata={"tags": ["parameters"]}),
            new_code_cell("print(value + 1)"),
        ]
    )
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(notebook, tmp_path / "page.ipynb")
    result = subprocess.run(
        [sys.executable, "-c", RUN_TWO, str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "done"
    assert "without encryption" not in result.stderr and "TCP" not in result.stderr
    assert "KeyboardInterrupt" not in result.stderr
    executed = nbformat.read(tmp_path / "out-1.ipynb", as_version=4)
    assert executed.cells[-1].outputs[0]["text"] == "2\n"


def test_kernels_use_unix_sockets_in_a_private_folder_removed_afterwards():
    import asyncio
    import threading
    from pathlib import Path

    from citytools_analysis.build.execute import IPCKernelManager

    manager = IPCKernelManager(kernel_name="python3")
    assert manager.transport == "ipc"
    folder = Path(manager.ip).parent
    assert folder.is_dir() and folder.name.startswith("citytools-kernel-")
    # In a thread of its own: a browser test earlier in the session may leave an event loop
    # running in this one, where asyncio.run() refuses to start.
    cleanup = threading.Thread(target=lambda: asyncio.run(manager._async_cleanup_resources()))
    cleanup.start()
    cleanup.join(timeout=60)
    assert not folder.exists()


FAKE_JUPYTER_BOOK = """
import sys
from pathlib import Path
out = Path(sys.argv[sys.argv.index("--path-output") + 1]) / "_build"
(out / "html").mkdir(parents=True, exist_ok=True)
(out / "html" / "index.html").write_text("<p>book</p>")
with (out.parent / "book-runs.log").open("a") as log:
    log.write(" ".join(sys.argv[1:]) + "\\n")
"""


def test_the_book_step_is_skipped_when_nothing_it_reads_changed(tmp_path, monkeypatch):
    from citytools_analysis.build import book

    script = tmp_path / "fake-jupyter-book.py"
    script.write_text(FAKE_JUPYTER_BOOK, encoding="utf-8")
    monkeypatch.setattr(book, "jupyter_book_command", lambda: [sys.executable, str(script)])
    root = tmp_path / "root"
    (root / "book" / "_generated").mkdir(parents=True)
    for name in ("_config.yml", "_toc.yml"):
        (root / name).write_text("title: x\n", encoding="utf-8")
    page = root / "book" / "_generated" / "02_overview.ipynb"
    page.write_text("{}", encoding="utf-8")

    def runs() -> int:
        log = root / "book-runs.log"
        return len(log.read_text().splitlines()) if log.exists() else 0

    assert book.build_html(root, root / "_build", quiet=True) == 0 and runs() == 1
    assert book.book_is_current(root, root / "_build")
    assert book.build_html(root, root / "_build", quiet=True) == 0 and runs() == 1  # skipped
    (root / "book" / "_generated" / ".02_overview.ipynb.build-key").write_text("k")
    assert book.build_html(root, root / "_build", quiet=True) == 0 and runs() == 1  # hidden
    page.write_text('{"changed": 1}', encoding="utf-8")
    assert not book.book_is_current(root, root / "_build")
    assert book.build_html(root, root / "_build", quiet=True) == 0 and runs() == 2
    assert book.build_html(root, root / "_build", quiet=True, full=True) == 0 and runs() == 3
    (root / "_build" / "html" / "index.html").unlink()  # the book is gone: build it again
    assert book.build_html(root, root / "_build", quiet=True) == 0 and runs() == 4
    raw = root / "data" / "raw"
    raw.mkdir(parents=True)
    (raw / "a.csv").write_text("x\n")  # the footer's raw-data hash changes
    assert book.build_html(root, root / "_build", quiet=True) == 0 and runs() == 5
