"""Services: everything the app does, callable without Qt. The GUI and the CLI both call these."""
