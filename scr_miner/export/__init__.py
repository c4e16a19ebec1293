"""Export: search, theme packs and reports for trainers and researchers."""
