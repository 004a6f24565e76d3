"""The effective version: what each auth config and linked account runs, and why (DESIGN §5).

The rules are in `app.domain.resolution`; this package loads what they need, keeps the candidates
in memory per process, and answers for batches of auth configs and accounts."""
