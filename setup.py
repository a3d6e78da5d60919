"""The build compiles the message catalogs: each grader/locale/<lang>/LC_MESSAGES/grade.po becomes
the grade.mo that gettext reads at run time (wheels, sdists and editable installs alike).
Everything else about the package is in pyproject.toml."""
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class build_py_with_catalogs(build_py):
    def run(self):
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in Path(__file__).resolve().parent.glob("grader/locale/*/LC_MESSAGES/*.po"):
            with po.open("rb") as f:
                catalog = read_po(f)
            with po.with_suffix(".mo").open("wb") as f:
                write_mo(f, catalog)  # fuzzy entries are left out, as msgfmt does
        super().run()


setup(cmdclass={"build_py": build_py_with_catalogs})
