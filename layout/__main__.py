import sys

try:
    from layout.cli import main
except KeyboardInterrupt:  # Ctrl-C while the modules load: nothing was written yet
    print("interrupted: no output was written", file=sys.stderr)
    raise SystemExit(130) from None

raise SystemExit(main())
