"""A generated client drives Gatehouse (issue 28): the REST API's OpenAPI
document is taken whole by openapi-python-client (scripts/api-conformance
generates the client from the running server's document and fails on any
schema it drops), and the client it makes invites a user, lists users and
reads the SMTP settings, as the gateway backend's developers would.

    python api_client_scenario.py <generated client dir> <base URL> <bearer token>
"""
import sys

sys.path.insert(0, sys.argv[1])

from gatehouse_client import AuthenticatedClient  # noqa: E402
from gatehouse_client.api.smtp import get_settings  # noqa: E402
from gatehouse_client.api.users import invite, list_users  # noqa: E402
from gatehouse_client.models import InvitationCreated, InviteRequest, Role, SmtpSettings  # noqa: E402

client = AuthenticatedClient(base_url=sys.argv[2], token=sys.argv[3], raise_on_unexpected_status=True)

created = invite.sync(client=client, body=InviteRequest(email="generated@example.com", role=Role.HOST_USER))
assert isinstance(created, InvitationCreated), created
assert created.invitation_link.startswith(sys.argv[2] + "/invite/"), created.invitation_link
assert created.email.value == "smtp_disabled", created.email

users = list_users.sync(client=client, q="generated")
assert [u.email for u in users] == ["generated@example.com"], users
assert users[0].status.value == "pending", users[0]

smtp = get_settings.sync(client=client)
assert isinstance(smtp, SmtpSettings), smtp
assert smtp.enabled is False, smtp

print("generated client: invited, listed and read the SMTP settings")
