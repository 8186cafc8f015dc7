"""The panel report: what it says (``content`` over ``model``, the free sections in
``sections``, the Commissioner's paragraph in ``summary``) and how it is laid out (``pdf``,
``word``)."""
