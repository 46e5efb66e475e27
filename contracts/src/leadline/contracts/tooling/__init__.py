"""Developer tooling: the local stack of processes (``make run``), the generator of the committed documents
(``leadline-contracts``) and the demo users' tokens (``leadline-token``)."""
