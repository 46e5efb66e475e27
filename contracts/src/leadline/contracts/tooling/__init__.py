"""Developer tooling: the local stack of processes (``make run``) and the generator of the committed
documents (``leadline-contracts``)."""
