"""The check of the HTTP contract catches what it is for: a response that drifts from
docs/openapi.yaml (a renamed field, a wrong value, a missing field, an undeclared status or
content type), a route the template has and the spec lacks, and a run that validated nothing."""

import copy
import unittest

import check

STATUS = {
    "clientId": "USER_30001",
    "pairId": "0a1b2c3d4e5f60718293a4b5",
    "status": "VERIFIED",
    "mode": "twoSessions",
    "reasons": [],
    "createdAt": "2026-11-26T14:43:17Z",
    "updatedAt": "2026-11-26T15:43:17Z",
    "decidedAt": "2026-11-26T15:43:17Z",
    "verdictVersion": 1,
    "earlierVerdicts": [],
    "sessionResults": [{"role": "identity", "status": "APPROVED", "receivedAt": "2026-11-26T15:43:17Z"}],
    "previousPairs": [],
    "permitPolicy": {"issuingCountries": [], "minValidDays": 0},
    "validUntil": "2031-04-30",
    "validity": "VALID",
}


def record(body, status=200, route="GET /verifications/{clientId}", kind="application/json"):
    return {"route": route, "status": status, "contentType": kind, "body": body}


class CheckTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.spec = check.load_spec()

    def problems(self, one):
        return check.response_problems(self.spec, one)

    def test_a_documented_response_passes(self):
        self.assertEqual(self.problems(record(STATUS)), [])
        unknown = dict(STATUS, validUntil=None, validity="UNKNOWN")
        self.assertEqual(self.problems(record(unknown)), [])
        text = record("This verification link is no longer valid.", 410,
                      "GET /verifications/{clientId}/continue", "text/plain; charset=utf-8")
        self.assertEqual(self.problems(text), [])

    def test_a_drifted_response_fails(self):
        renamed = dict(STATUS)
        renamed["validTo"] = renamed.pop("validUntil")
        missing = dict(STATUS)
        del missing["permitPolicy"]
        nested = copy.deepcopy(STATUS)
        nested["sessionResults"][0]["receivedAt"] = 1795707797
        for name, body in [
            ("renamed field", renamed),
            ("missing field", missing),
            ("unknown status", dict(STATUS, status="DONE")),
            ("unknown validity", dict(STATUS, validity="SOON")),
            ("day as a time", dict(STATUS, validUntil="2031-04-30T00:00:00Z")),
            ("time as a number", nested),
        ]:
            with self.subTest(name):
                self.assertNotEqual(self.problems(record(body)), [], name)

    def test_an_undeclared_status_or_content_type_fails(self):
        self.assertNotEqual(self.problems(record(STATUS, status=418)), [])
        self.assertNotEqual(self.problems(record("<html>", kind="text/html")), [])
        self.assertNotEqual(self.problems(record(STATUS, route="GET /nowhere")), [])

    def test_the_spec_matches_the_template_and_a_run_must_validate_every_route(self):
        template = check.template_routes()
        self.assertEqual(check.spec_routes(self.spec), template)
        self.assertEqual(len(template), 10)
        fewer = copy.deepcopy(self.spec)
        del fewer["paths"]["/webhooks/idenfy"]
        problems = check.check(fewer, [], template)
        self.assertIn("template.yaml's route POST /webhooks/idenfy is not in the spec", problems)
        # Nothing recorded: every route unvalidated.
        unvalidated = [p for p in check.check(self.spec, [], template) if "no response" in p]
        self.assertEqual(len(unvalidated), 10)


if __name__ == "__main__":
    unittest.main()
