"""The wheel carries the course: the catalogs and the generated lessons become package data.

`locales/` and `notebooks/` stay at the top of the repository, where translators and the notebook generator
work; building the wheel copies them into `autotutor/locales/` and `autotutor/notebooks/`, and
`autotutor.resources.course_folder` finds them there. Everything else is in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
# What each course folder contributes: the .po catalogs (the runtime reads them directly) and the notebooks.
COURSE_DATA = {"locales": ["*/LC_MESSAGES/*.po"], "notebooks": ["*/*.ipynb"]}


class BuildWithCourse(build_py):
    def run(self):
        if not self.editable_mode:  # a module removed from the sources must not linger in the wheel either
            shutil.rmtree(Path(self.build_lib, "autotutor"), ignore_errors=True)
        super().run()
        if self.editable_mode:  # an editable install reads the repository's folders directly
            return
        for folder, patterns in COURSE_DATA.items():
            copy = Path(self.build_lib, "autotutor", folder)
            shutil.rmtree(copy, ignore_errors=True)  # a lesson removed since the last build must not linger
            source = HERE / folder
            found = [path for pattern in patterns for path in sorted(source.glob(pattern))]
            if not found:
                raise SystemExit(f"setup.py: nothing matches {patterns} in {source}: is this a complete checkout?")
            for path in found:
                target = copy / path.relative_to(source)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)


setup(cmdclass={"build_py": BuildWithCourse})
