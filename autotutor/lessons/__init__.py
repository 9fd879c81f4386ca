"""What the lesson cells call: tables, pictures and quiz questions, one module per lesson, as plain functions.

    introduction.py          00_introduction          autotokenizer.py         01_autotokenizer
    autoimageprocessor.py    02_autoimageprocessor    autobackbone.py          03_autobackbone
    autofeatureextractor.py  04_autofeatureextractor  autoprocessor.py         05_autoprocessor
    automodel.py             06_automodel             loading_safely.py        07_loading_safely

Shared pieces: `quiz.py` (the questions), `pictures.py` (font, PNG encoding) and `marks.py` (patterns that do
not rely on colour). The English sources are `lessons/*.ipynb` at the top of the repository; the course
tooling (`autotutor.course`) turns each into `notebooks/{en,fr,ar}/` and provides their first cell's `setup()`.
"""
