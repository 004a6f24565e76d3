"""The checks every operation passes, in Strawberry schema extensions and validation rules: shape
limits, cost and budget, storable input, error masking, and the observation of each operation."""
