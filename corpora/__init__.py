"""Text collections shipped with reportminer: sample reports, the example corpus (specs) and training sentences."""
