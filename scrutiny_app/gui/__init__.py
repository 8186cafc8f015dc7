"""The Qt front end. It draws widgets and calls the services; nothing else lives here.

Forms come from the Qt Designer files in the top-level ``ui/`` folder (loaded at run time with
QUiLoader), the look from ``resources/styles/app.qss``. This package file stays Qt-free, so
walking the package (as tests/test_qt_free.py does) does not load Qt.
"""
