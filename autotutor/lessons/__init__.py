"""What the lesson cells call: tables, pictures and quiz questions, one module per lesson, as plain functions.

    introduction.py          00_introduction          autotokenizer.py         01_autotokenizer
    autoimageprocessor.py    02_autoimageprocessor    autobackbone.py          03_autobackbone
    autofeatureextractor.py  04_autofeatureextractor  autoprocessor.py         05_autoprocessor
    automodel.py             06_automodel             loading_safely.py        07_loading_safely
    automodelforcausallm.py  08_automodelforcausallm  automodelforspeechseq2seq.py  09_automodelforspeechseq2seq
    embeddings.py            06_automodel (the body at work)

`exercises/` holds each lesson's self-checked exercises (one module per lesson, the same names; `base.py` is
the framework). Shared pieces: `quiz.py` (the questions), `pictures.py` (font, PNG encoding), `marks.py` (patterns that do
not rely on colour) and `refusals.py` (an error as a lesson prints it). The English sources are `lessons/*.ipynb` at the top of the repository; the course
tooling (`autotutor.course`) turns each into `notebooks/{en,fr,ar}/` and provides their first cell's `setup()`.
"""
