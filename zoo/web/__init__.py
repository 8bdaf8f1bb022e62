"""zoo's web front: ``zoo serve`` (a local app) and ``zoo site build`` (the same pages, static).

Imported only by those two commands: ``zoo list`` never loads FastAPI.
Layout: :mod:`zoo.web.settings` (what the server is allowed to do),
:mod:`zoo.web.app` (the app factory), :mod:`zoo.web.pages` (HTML pages),
:mod:`zoo.web.api` (the JSON API, with the try-it predictions of
:mod:`zoo.web.predict`).
"""
