"""Scrutiny: the desktop app for independent police scrutiny panels.

The package is split into a Qt-free core (``domain``, ``storage``, ``services``,
``cli``) and the Qt front end (``gui``), which only calls the services.
"""

__version__ = "0.1.0"
