"""schemathesis hooks for scripts/api-conformance (loaded from schemathesis.toml).

The OpenAPI document marks a Google service-account key (a JSON document
carried inside a string, which JSON Schema cannot describe) with the format
`google-service-account-key`. This teaches schemathesis to generate such
keys, so that "a schema-valid request is accepted" is checked for that
operation too. The private key is a placeholder: saving checks the key
file's shape; only a test send or a delivery signs with it.
"""
import json
import pathlib

import schemathesis
from hypothesis import strategies as st

PLACEHOLDER_KEY = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n"


@st.composite
def service_account_keys(draw):
    account = draw(st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True))
    project = draw(st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True))
    return json.dumps({
        "type": "service_account",
        "project_id": project,
        "private_key": PLACEHOLDER_KEY,
        "client_email": f"{account}@{project}.iam.gserviceaccount.com",
        "token_uri": "https://oauth2.googleapis.com/token",
    })


schemathesis.openapi.format("google-service-account-key", service_account_keys())

# A new password (format `gatehouse-new-password`): 10 to 256 characters, and
# not one of the common passwords the server refuses (shared/data/common-passwords.txt).
COMMON = set(pathlib.Path(__file__).resolve().parent.parent.joinpath("shared/data/common-passwords.txt").read_text().split("\n"))
schemathesis.openapi.format(
    "gatehouse-new-password",
    st.text(min_size=10, max_size=256).filter(lambda p: p.lower() not in COMMON),
)
