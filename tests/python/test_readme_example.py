"""The README's drop-in example, run as written."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_readme_drop_in_example_runs(capsys):
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Python\n", 1)[1].split("\n## ", 1)[0]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert "from mlp import MLPClassifier" in code
    exec(compile(code, "README.md", "exec"), {})
    accuracy = float(re.search(r"accuracy (\d\.\d+)", capsys.readouterr().out).group(1))
    assert accuracy >= 0.95
