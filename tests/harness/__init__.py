"""Harnesses that measure the product from outside: `make bench`, `make loadtest` and
`make screenshots`. They drive `pulse` and the served dashboard like an operator would and
are not part of the installed package."""
