"""Loaded by schemathesis in the API fuzz stage (SCHEMATHESIS_HOOKS): how to send what it cannot by itself."""

import schemathesis

# POST /mail/messages takes a message as a mail server received it: generated text goes on the wire as is.
schemathesis.serializer.alias("message/rfc822", "text/plain")
