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
    notebook = new_notebook(cells=[new_code_cell("value = 0", metadata={"tags": ["parameters"]}),
                                   new_code_cell("print(value + 1)")])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    nbformat.write(notebook, tmp_path / "page.ipynb")
    result = subprocess.run([sys.executable, "-c", RUN_TWO, str(tmp_path)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "done"
    assert "without encryption" not in result.stderr and "TCP" not in result.stderr
    assert "KeyboardInterrupt" not in result.stderr
    executed = nbformat.read(tmp_path / "out-1.ipynb", as_version=4)
    assert executed.cells[-1].outputs[0]["text"] == "2\n"


def test_kernels_use_unix_sockets_in_a_private_folder_removed_afterwards():
    import asyncio
    from pathlib import Path

    from citytools_analysis.build.execute import IPCKernelManager

    manager = IPCKernelManager(kernel_name="python3")
    assert manager.transport == "ipc"
    folder = Path(manager.ip).parent
    assert folder.is_dir() and folder.name.startswith("citytools-kernel-")
    asyncio.run(manager._async_cleanup_resources())
    assert not folder.exists()
