import multiprocessing

if __name__ == "__main__":
    # The bundle's launcher is this file: a worker process the import starts (spawn) runs
    # through here too, and freeze_support hands it over to multiprocessing.
    multiprocessing.freeze_support()
    from scrutiny_app.cli import main

    raise SystemExit(main())
