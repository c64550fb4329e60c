"""Verifies Standard Webhooks messages the way a site would, with the `standardwebhooks`
package from PyPI: reads one JSON object per line on stdin ({"secret", "headers", "body"}) and
answers one line each, the verified payload or {"error": "..."}. Run from the integration tests
with the project's .venv."""

import json
import sys

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

for line in sys.stdin:
    message = json.loads(line)
    try:
        payload = Webhook(message["secret"]).verify(message["body"], message["headers"])
        print(json.dumps({"payload": payload}), flush=True)
    except WebhookVerificationError as error:
        print(json.dumps({"error": str(error)}), flush=True)
