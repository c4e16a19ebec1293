"""Allow ``python -m scr_miner``."""

from scr_miner.cli import main

main()
