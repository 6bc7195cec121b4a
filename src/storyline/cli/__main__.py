from storyline.cli import main

if __name__ == "__main__":  # not when a spawned process (outbox/background.py) imports it as __mp_main__
    main()
