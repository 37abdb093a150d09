"""Language layer: reading, normalisation, numerals, segmentation and classification of Chinese report text."""
