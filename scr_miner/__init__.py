"""scr-miner: mine Serious Case Reviews for lessons about information sharing."""

__version__ = "0.1.0"
