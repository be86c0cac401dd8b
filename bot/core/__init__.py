"""The pure core: values, rules and sentences; standard library and a short allow-list only.

Time (``now``) and randomness (``rng``) are arguments, never read here.
"""
