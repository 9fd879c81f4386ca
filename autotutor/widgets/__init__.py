"""The lessons' widgets. Each one's text and HTML come from plain functions a test can call without a browser;
the ipywidgets part is a thin layer that redraws when the language changes (`autotutor.i18n.set_language`).
"""

from .language import language_switch

__all__ = ["language_switch"]
