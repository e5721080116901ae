"""Build hook: ship the repository's ``templates/`` folder inside the package.

The templates are edited at the repository root, where people look for them, and are
copied to ``corpus_builder/templates`` in the built wheel so that an installed tool
finds them without the source tree.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithTemplates(build_py):
    def run(self) -> None:
        super().run()
        source = Path(__file__).parent / "templates"
        target = Path(self.build_lib) / "corpus_builder" / "templates"
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.md"))


setup(cmdclass={"build_py": BuildWithTemplates})
