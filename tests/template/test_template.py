"""template.yaml as deployed: parsed with cfn-lint's CloudFormation-aware YAML loader, then
transformed by the SAM translator (what `sam deploy` sends), and checked for the properties
users rely on. Run by `make test` with the project's .venv."""

import re
import copy
import json
import os
import pathlib
import unittest

from cfnlint.decode import cfn_yaml
from samtranslator.translator.transform import transform

# The translator resolves pseudo parameters; any region will do offline.
os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-1")

ROOT = pathlib.Path(__file__).resolve().parents[2]
TEMPLATE = cfn_yaml.load(str(ROOT / "template.yaml"))


class NoManagedPolicyLookups:
    """The translator asks for managed policy ARNs by name; the template names none."""

    def load(self):
        return {}


def translated(parameters=None):
    """The template as `sam deploy` hands it to CloudFormation (code already uploaded)."""
    template = copy.deepcopy(TEMPLATE)
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = "s3://artifacts/function.zip"
    return transform(template, parameters or {}, NoManagedPolicyLookups())


def evaluate(value, parameters):
    """A value of the template as CloudFormation would resolve it with these parameters (the
    defaults otherwise): Ref, Condition, Fn::If, Fn::Equals, Fn::Not, Fn::Or, Fn::And, and the
    rule function Fn::EachMemberIn. None
    stands for AWS::NoValue."""
    defaults = {name: p.get("Default") for name, p in TEMPLATE["Parameters"].items()}
    values = {**defaults, **parameters}

    def condition(name):
        return resolve(TEMPLATE["Conditions"][name])

    def resolve(v):
        if isinstance(v, list):
            return [x for x in (resolve(x) for x in v) if x is not None]
        if not isinstance(v, dict):
            return v
        if list(v) == ["Ref"]:
            return None if v["Ref"] == "AWS::NoValue" else values.get(v["Ref"], v)
        if list(v) == ["Condition"]:
            return condition(v["Condition"])
        if list(v) == ["Fn::If"]:
            name, then, otherwise = v["Fn::If"]
            return resolve(then if condition(name) else otherwise)
        if list(v) == ["Fn::Equals"]:
            left, right = (resolve(x) for x in v["Fn::Equals"])
            return left == right
        if list(v) == ["Fn::Not"]:
            return not resolve(v["Fn::Not"][0])
        if list(v) == ["Fn::Or"]:
            return any(resolve(x) for x in v["Fn::Or"])
        if list(v) == ["Fn::And"]:
            return all(resolve(x) for x in v["Fn::And"])
        if list(v) == ["Fn::EachMemberIn"]:
            members, allowed = (resolve(x) for x in v["Fn::EachMemberIn"])
            return all(m in allowed for m in members)
        return {k: r for k, r in ((k, resolve(x)) for k, x in v.items()) if r is not None}

    return resolve(value)


def secret_arn(parameter):
    """A secret by the name a parameter gives: Secrets Manager adds six random characters."""
    return {
        "Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:${%s}-??????" % parameter
    }


# One secret per role: each function's own, by the parameter naming it.
SECRET_OF = {
    "IssueTokensFunction": "IdenfyApiSecretName",
    "IdenfyCallbackFunction": "CallbackSecretName",
    "NotifyDecisionsFunction": "SiteWebhookSecretName",
}
SECRET_ARNS = [secret_arn(parameter) for parameter in SECRET_OF.values()]

FUNCTIONS = ["IssueTokensFunction", "IdenfyCallbackFunction", "NotifyDecisionsFunction"]


def statements(document):
    found = document.get("Statement", [])
    return found if isinstance(found, list) else [found]


def as_list(value):
    return value if isinstance(value, list) else [value]


KMS_KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

# Granted only with a customer-managed key (KmsKeyArn): to use that key, and nothing else.
DATA_KEY_STATEMENT = {
    "Fn::If": [
        "HasKmsKey",
        {
            "Sid": "UseTheDataKey",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
            "Resource": {"Ref": "KmsKeyArn"},
        },
        {"Ref": "AWS::NoValue"},
    ]
}


def every_policy_statement(resources):
    """(resource name, statement) for every inline policy statement of every IAM role."""
    for name, resource in resources.items():
        if resource["Type"] == "AWS::IAM::Role":
            for policy in resource["Properties"].get("Policies", []):
                for statement in statements(policy["PolicyDocument"]):
                    yield name, statement


class TemplateTest(unittest.TestCase):
    def setUp(self):
        self.resources = TEMPLATE["Resources"]
        self.deployed = translated()["Resources"]

    def test_no_wildcard_action_or_resource_in_any_policy(self):
        checked = 0
        for name, statement in every_policy_statement(self.deployed):
            if isinstance(statement, dict) and "Fn::If" in statement:
                # A statement present only in one configuration: check the branch that is one.
                statement = statement["Fn::If"][1]
            for action in as_list(statement.get("Action", [])):
                self.assertNotIn("*", str(action), f"{name}: wildcard action {action}")
            for resource in as_list(statement.get("Resource", [])):
                if statement["Action"] == ["dynamodb:ListStreams"]:
                    # ListStreams names no stream: the narrowest resource is the table's streams.
                    self.assertEqual(resource, {"Fn::Sub": "${PairsTable.Arn}/stream/*"})
                    continue
                self.assertNotIn("*", str(resource), f"{name}: wildcard resource {resource}")
            checked += 1
        self.assertGreaterEqual(checked, 3, "the functions' inline policies were found")

    def test_the_ledger_run_is_scheduled_over_the_ledgers_own_table(self):
        """The schedule sends the sample event the suite feeds the handler, on the route key
        the code dispatches and no API Gateway route has; the ledger's table and indexes have
        the names the adapter queries; only issuance may use it."""
        schedule = self.resources["IssueTokensFunction"]["Properties"]["Events"]["RetryErasures"]
        self.assertEqual(schedule["Type"], "Schedule")
        sent = json.loads(schedule["Properties"]["Input"])
        sample = json.loads((ROOT / "events/issue-tokens/erasure-retries.json").read_text())
        self.assertEqual(sent, sample)
        lib = (ROOT / "functions/issue-tokens/src/routes.rs").read_text()
        self.assertIn(f'ERASURE_RETRY_ROUTE: &str = "{sent["routeKey"]}"', lib)
        self.assertEqual(sent["requestContext"]["routeKey"], sent["routeKey"])
        api_routes = {r["Properties"]["RouteKey"] for r in self.resources.values()
                      if r["Type"] == "AWS::ApiGatewayV2::Route"}
        self.assertNotIn(sent["routeKey"], api_routes)
        table = self.resources["SessionLedgerTable"]["Properties"]
        attributes = (ROOT / "shared/adapters/src/store/dynamo/attributes.rs").read_text()
        self.assertEqual([(k["AttributeName"], k["KeyType"]) for k in table["KeySchema"]],
                         [("clientId", "HASH"), ("scanRef", "RANGE")])
        (due,) = table["GlobalSecondaryIndexes"]
        self.assertIn(f'DUE_INDEX: &str = "{due["IndexName"]}"', attributes)
        queue, due_at = due["KeySchema"]
        self.assertIn(f'QUEUE: &str = "{queue["AttributeName"]}"', attributes)
        self.assertIn(f'DUE_AT: &str = "{due_at["AttributeName"]}"', attributes)
        (minted,) = table["LocalSecondaryIndexes"]
        self.assertIn(f'MINTED_INDEX: &str = "{minted["IndexName"]}"', attributes)
        self.assertIn(f'MINTED_AT: &str = "{minted["KeySchema"][1]["AttributeName"]}"', attributes)
        types = {d["AttributeName"]: d["AttributeType"] for d in table["AttributeDefinitions"]}
        self.assertEqual((types["queue"], types["dueAt"], types["mintedAt"]), ("S", "N", "N"))
        self.assertEqual(table["TimeToLiveSpecification"], {"AttributeName": "expiresAt", "Enabled": True})
        self.assertTrue(table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"])
        # Only issuance touches the ledger; it may read, add and change entries, never delete one.
        ledger_arns = [{"Fn::GetAtt": ["SessionLedgerTable", "Arn"]},
                       {"Fn::Sub": "${SessionLedgerTable.Arn}/index/minted-at"},
                       {"Fn::Sub": "${SessionLedgerTable.Arn}/index/ledger-due"}]
        users = {role: set(as_list(statement["Action"]))
                 for role, statement in every_policy_statement(self.deployed)
                 if isinstance(statement, dict) and statement.get("Resource") == ledger_arns}
        self.assertEqual(users, {"IssueTokensFunctionRole":
                                 {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"}})
        variables = self.resources["IssueTokensFunction"]["Properties"]["Environment"]["Variables"]
        self.assertEqual(variables["LEDGER_TABLE_NAME"], {"Ref": "SessionLedgerTable"})
        self.assertEqual(variables["AUDIT_RETENTION_DAYS"], {"Ref": "AuditRetentionDays"})
        audit = TEMPLATE["Parameters"]["AuditRetentionDays"]
        self.assertEqual((audit["Default"], audit["MaxValue"]), (1825, 3650))
        self.assertEqual(TEMPLATE["Parameters"]["IdenfyDeleteAtRetentionEnd"]["Default"], "true")

    def test_the_expiry_watch_runs_daily_on_eventbridge_scheduler_over_its_sparse_index(self):
        """A ScheduleV2 (EventBridge Scheduler) sends the sample event the suite feeds the
        handler, on a route key the code dispatches and no API route has; the index's keys are
        the names and types the store writes and queries; only issuance may query it."""
        schedule = self.resources["IssueTokensFunction"]["Properties"]["Events"]["WatchExpiries"]
        self.assertEqual(schedule["Type"], "ScheduleV2")
        props = schedule["Properties"]
        self.assertEqual(props["ScheduleExpression"], "cron(15 6 * * ? *)")
        self.assertEqual(props["ScheduleExpressionTimezone"], "UTC")
        sent = json.loads(props["Input"])
        sample = json.loads((ROOT / "events/issue-tokens/expiry-watch.json").read_text())
        self.assertEqual(sent, sample)
        lib = (ROOT / "functions/issue-tokens/src/routes.rs").read_text()
        self.assertIn(f'EXPIRY_WATCH_ROUTE: &str = "{sent["routeKey"]}"', lib)
        self.assertEqual(sent["requestContext"]["routeKey"], sent["routeKey"])
        api_routes = {r["Properties"]["RouteKey"] for r in self.resources.values()
                      if r["Type"] == "AWS::ApiGatewayV2::Route"}
        self.assertNotIn(sent["routeKey"], api_routes)
        # SAM turns it into an AWS::Scheduler::Schedule with a role that may invoke the function.
        schedules = [r for r in self.deployed.values() if r["Type"] == "AWS::Scheduler::Schedule"]
        self.assertEqual(len(schedules), 1)
        self.assertEqual(schedules[0]["Properties"]["Target"]["Input"], props["Input"])

        table = self.resources["PairsTable"]["Properties"]
        (index,) = [i for i in table["GlobalSecondaryIndexes"] if i["IndexName"] == "expiry-watch"]
        attributes = (ROOT / "shared/adapters/src/store/dynamo/attributes.rs").read_text()
        self.assertIn(f'EXPIRY_INDEX: &str = "{index["IndexName"]}"', attributes)
        hash_key, range_key = index["KeySchema"]
        self.assertEqual((hash_key["KeyType"], range_key["KeyType"]), ("HASH", "RANGE"))
        self.assertIn(f'EXPIRY_WATCH: &str = "{hash_key["AttributeName"]}"', attributes)
        self.assertIn(f'EXPIRY_DUE: &str = "{range_key["AttributeName"]}"', attributes)
        types = {d["AttributeName"]: d["AttributeType"] for d in table["AttributeDefinitions"]}
        # The threshold is a number of days, the due day a YYYY-MM-DD string (sorts as days).
        self.assertEqual((types["expiryWatch"], types["expiryDue"]), ("N", "S"))
        self.assertEqual(index["Projection"], {"ProjectionType": "KEYS_ONLY"})
        index_arn = {"Fn::Sub": "${PairsTable.Arn}/index/expiry-watch"}
        queriers = {role for role, statement in every_policy_statement(self.deployed)
                    if isinstance(statement, dict) and statement.get("Resource") == index_arn}
        self.assertEqual(queriers, {"IssueTokensFunctionRole"})
        variables = self.resources["IssueTokensFunction"]["Properties"]["Environment"]["Variables"]
        self.assertEqual(variables["EXPIRY_WARNING_DAYS"], {"Ref": "ExpiryWarningDays"})
        warning = TEMPLATE["Parameters"]["ExpiryWarningDays"]
        self.assertEqual((warning["Default"], warning["MinValue"], warning["MaxValue"]), (30, 0, 365))

    def test_the_review_queue_is_a_sparse_index_gauged_every_quarter_hour_and_alarmed(self):
        """The queue's index has the names and types the store writes and queries, projects what
        the queue shows and never the pair; only issuance may query it. A schedule sends the
        sample event the suite feeds the handler, on a route key no API route has; the alarm
        watches the gauge the function emits, at the configured SLA."""
        table = self.resources["PairsTable"]["Properties"]
        (index,) = [i for i in table["GlobalSecondaryIndexes"] if i["IndexName"] == "review-queue"]
        attributes = (ROOT / "shared/adapters/src/store/dynamo/attributes.rs").read_text()
        self.assertIn(f'REVIEW_INDEX: &str = "{index["IndexName"]}"', attributes)
        hash_key, range_key = index["KeySchema"]
        self.assertEqual((hash_key["KeyType"], range_key["KeyType"]), ("HASH", "RANGE"))
        self.assertIn(f'QUEUE: &str = "{hash_key["AttributeName"]}"', attributes)
        self.assertIn(f'WAITING_SINCE: &str = "{range_key["AttributeName"]}"', attributes)
        types = {d["AttributeName"]: d["AttributeType"] for d in table["AttributeDefinitions"]}
        self.assertEqual((types["queue"], types["waitingSince"]), ("S", "N"))
        projection = index["Projection"]
        self.assertEqual(projection["ProjectionType"], "INCLUDE")
        self.assertEqual(set(projection["NonKeyAttributes"]), {"waiting", "reviewClaim", "expiresAt"})
        for name in projection["NonKeyAttributes"]:
            constant = {"waiting": "WAITING", "reviewClaim": "REVIEW_CLAIM", "expiresAt": "EXPIRES_AT"}[name]
            self.assertIn(f'{constant}: &str = "{name}"', attributes)
        self.assertNotIn("pair", projection["NonKeyAttributes"])
        index_arn = {"Fn::Sub": "${PairsTable.Arn}/index/review-queue"}
        queriers = {role for role, statement in every_policy_statement(self.deployed)
                    if isinstance(statement, dict) and statement.get("Resource") == index_arn}
        self.assertEqual(queriers, {"IssueTokensFunctionRole"})

        schedule = self.resources["IssueTokensFunction"]["Properties"]["Events"]["GaugeReviewQueue"]
        self.assertEqual(schedule["Type"], "Schedule")
        self.assertEqual(schedule["Properties"]["Schedule"], "rate(15 minutes)")
        sent = json.loads(schedule["Properties"]["Input"])
        sample = json.loads((ROOT / "events/issue-tokens/review-queue.json").read_text())
        self.assertEqual(sent, sample)
        routes = (ROOT / "functions/issue-tokens/src/routes.rs").read_text()
        self.assertIn(f'QUEUE_GAUGES_ROUTE: &str = "{sent["routeKey"]}"', routes)
        api_routes = {r["Properties"]["RouteKey"] for r in self.resources.values()
                      if r["Type"] == "AWS::ApiGatewayV2::Route"}
        self.assertNotIn(sent["routeKey"], api_routes)

        variables = self.resources["IssueTokensFunction"]["Properties"]["Environment"]["Variables"]
        self.assertEqual(variables["REVIEW_CLAIM_MINUTES"], {"Ref": "ReviewClaimMinutes"})
        self.assertEqual(variables["REVIEW_SLA_HOURS"], {"Ref": "ReviewSlaHours"})
        claim = TEMPLATE["Parameters"]["ReviewClaimMinutes"]
        sla = TEMPLATE["Parameters"]["ReviewSlaHours"]
        self.assertEqual((claim["Default"], claim["MinValue"], claim["MaxValue"]), (15, 1, 480))
        self.assertEqual((sla["Default"], sla["MinValue"], sla["MaxValue"]), (24, 1, 720))
        config = (ROOT / "shared/app/src/config/verifications_api.rs").read_text()
        self.assertIn("const MAX_CLAIM_MINUTES: u64 = 480;", config)
        self.assertIn("const MAX_SLA_HOURS: u64 = 720;", config)
        queue = (ROOT / "shared/app/src/review/queue.rs").read_text()
        self.assertIn("pub const DEFAULT_CLAIM_MINUTES: u64 = 15;", queue)
        self.assertIn("pub const DEFAULT_SLA_HOURS: u64 = 24;", queue)

        alarm = self.resources["ReviewsOverdueAlarm"]["Properties"]
        metrics = (ROOT / "shared/adapters/src/metrics.rs").read_text()
        self.assertIn(f'REVIEWS_OVERDUE: &str = "{alarm["MetricName"]}"', metrics)
        self.assertEqual(alarm["Namespace"], "idenfy-pair")
        self.assertEqual(alarm["Dimensions"], [{"Name": "Function", "Value": "issue-tokens"}])
        self.assertEqual((alarm["Statistic"], alarm["Threshold"], alarm["ComparisonOperator"]),
                         ("Maximum", 1, "GreaterThanOrEqualToThreshold"))
        self.assertEqual(alarm["AlarmActions"],
                         {"Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]})

    def test_each_function_has_exactly_its_own_table_actions(self):
        expected = {
            "IssueTokensFunctionRole": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"},
            "IdenfyCallbackFunctionRole": {"dynamodb:GetItem", "dynamodb:UpdateItem"},
        }
        index_queries = [
            {"Sid": sid, "Effect": "Allow", "Action": ["dynamodb:Query"],
             "Resource": {"Fn::Sub": "${PairsTable.Arn}/index/" + index}}
            for sid, index in [("FindDueExpiries", "expiry-watch"), ("ListTheReviewQueue", "review-queue")]
        ]
        for role, actions in expected.items():
            granted = set()
            for name, statement in every_policy_statement(self.deployed):
                if name != role or statement == DATA_KEY_STATEMENT or statement["Resource"] in SECRET_ARNS:
                    continue
                if role == "IssueTokensFunctionRole" and (
                        statement in index_queries or statement.get("Sid") == "RecordAndDeleteSessions"):
                    continue
                self.assertEqual(statement["Effect"], "Allow")
                self.assertEqual(statement["Resource"], {"Fn::GetAtt": ["PairsTable", "Arn"]}, role)
                granted |= set(as_list(statement["Action"]))
            self.assertEqual(granted, actions, role)

    def test_callback_cannot_write_anything_but_the_pairs_table(self):
        role = self.deployed["IdenfyCallbackFunctionRole"]["Properties"]
        managed = [str(arn) for arn in role.get("ManagedPolicyArns", [])]
        self.assertTrue(all("AWSLambdaBasicExecutionRole" in arn for arn in managed), managed)
        for name, statement in every_policy_statement(self.deployed):
            if statement == DATA_KEY_STATEMENT:
                continue
            if name == "IdenfyCallbackFunctionRole" and statement["Resource"] not in SECRET_ARNS:
                self.assertEqual(statement["Resource"], {"Fn::GetAtt": ["PairsTable", "Arn"]})

    def test_webhook_route_is_public_and_issuance_routes_are_protected(self):
        routes = {
            r["Properties"]["RouteKey"]: r["Properties"]
            for r in self.resources.values()
            if r["Type"] == "AWS::ApiGatewayV2::Route"
        }
        protected = [
            "POST /verifications",
            "GET /verifications/{clientId}",
            "POST /verifications/{clientId}/renewal",
            "POST /verifications/{clientId}/review",
            "GET /verifications/{clientId}/evidence",
            "GET /verifications",
            "POST /verifications/{clientId}/claim",
            "DELETE /verifications/{clientId}",
        ]
        public = ["POST /webhooks/idenfy", "GET /verifications/{clientId}/continue"]
        self.assertEqual(set(routes), {*protected, *public})
        # The webhook (signature-checked) and the person's continuation between the sessions
        # (a signed token) are the only public routes.
        for key in public:
            self.assertEqual(routes[key]["AuthorizationType"], "NONE", key)
            self.assertNotIn("AuthorizerId", routes[key], key)
        self.assertEqual(routes["GET /verifications/{clientId}/continue"]["Target"],
                         {"Fn::Sub": "integrations/${IssueTokensIntegration}"})
        # ... and the continuation is throttled below the default.
        settings = self.resources["HttpApiStage"]["Properties"]["RouteSettings"]
        self.assertLess(settings["GET /verifications/{clientId}/continue"]["ThrottlingRateLimit"],
                        self.resources["HttpApiStage"]["Properties"]["DefaultRouteSettings"]["ThrottlingRateLimit"])
        for key in protected:
            self.assertEqual(routes[key]["Target"], {"Fn::Sub": "integrations/${IssueTokensIntegration}"}, key)
            authorization = routes[key]["AuthorizationType"]
            # Either branch of the ApiAuthorization parameter is an authorizer, never NONE.
            self.assertEqual(authorization, {"Fn::If": ["UseJwt", "JWT", "AWS_IAM"]}, key)
            self.assertEqual(
                routes[key]["AuthorizerId"],
                {"Fn::If": ["UseJwt", {"Ref": "JwtAuthorizer"}, {"Ref": "AWS::NoValue"}]},
                key,
            )
        authorizer = self.resources["JwtAuthorizer"]
        self.assertEqual(authorizer["Condition"], "UseJwt")
        self.assertEqual(authorizer["Properties"]["AuthorizerType"], "JWT")

    # Which scopes parameter guards each route in JWT mode: duties apart.
    ROUTE_SCOPES = {
        "IssueRoute": "JwtScopes",
        "StatusRoute": "JwtScopes",
        "RenewalRoute": "JwtScopes",
        "ReviewRoute": "ReviewerJwtScopes",
        "EvidenceRoute": "ReviewerJwtScopes",
        "QueueRoute": "ReviewerJwtScopes",
        "ClaimRoute": "ReviewerJwtScopes",
        "EraseRoute": "ErasureJwtScopes",
    }

    def test_in_jwt_mode_each_duty_needs_its_own_scope(self):
        jwt = {"ApiAuthorization": "JWT", "JwtIssuer": "https://issuer.example.com", "JwtAudience": ["app"]}
        defaults = {name: TEMPLATE["Parameters"][name]["Default"] for name in set(self.ROUTE_SCOPES.values())}
        for name, parameter in self.ROUTE_SCOPES.items():
            route = self.resources[name]["Properties"]
            self.assertEqual(evaluate(route.get("AuthorizationScopes"), {**jwt, parameter: ["a/b", "c/d"]}), ["a/b", "c/d"], name)
            self.assertEqual(evaluate(route.get("AuthorizationScopes"), {**jwt, parameter: [defaults[parameter]]}), [defaults[parameter]], name)
            # IAM mode has no scopes (SigV4 identities are scoped by IAM policy: README).
            self.assertIsNone(evaluate(route.get("AuthorizationScopes"), {}), name)
        for public in ["WebhookRoute", "ContinueRoute"]:
            self.assertNotIn("AuthorizationScopes", self.resources[public]["Properties"])
        # With the defaults, a token with the issuer's scope opens no reviewer's or eraser's
        # route, and the reverse.
        for name, parameter in self.ROUTE_SCOPES.items():
            for other in set(defaults) - {parameter}:
                self.assertNotEqual(defaults[parameter], defaults[other], (name, other))
        # A JWT deployment cannot drop any of them.
        assertions = TEMPLATE["Rules"]["JwtNeedsIssuerAndAudience"]["Assertions"]
        for parameter in defaults:
            self.assertIn({"Fn::Not": [{"Fn::Equals": [{"Fn::Join": ["", {"Ref": parameter}]}, ""]}]},
                          [a["Assert"] for a in assertions], parameter)

    def test_a_jwt_deployment_cannot_give_two_duties_one_scope_list(self):
        """The Rule refuses equal scope lists for any two duties (under JWT only), and the function
        gets every list to check each route again."""
        rule = TEMPLATE["Rules"]["JwtDutiesHaveTheirOwnScopes"]
        jwt = {"ApiAuthorization": "JWT"}
        self.assertTrue(evaluate(rule["RuleCondition"], jwt))
        self.assertFalse(evaluate(rule["RuleCondition"], {}))
        holds = lambda parameters: [evaluate(a["Assert"], {**jwt, **parameters}) for a in rule["Assertions"]]
        self.assertEqual(holds({}), [True, True, True], "the defaults are three lists")
        for same in [("JwtScopes", "ReviewerJwtScopes"), ("JwtScopes", "ErasureJwtScopes"),
                     ("ReviewerJwtScopes", "ErasureJwtScopes")]:
            refused = holds({same[0]: ["x/one", "x/two"], same[1]: ["x/two", "x/one"]})
            self.assertEqual(refused.count(False), 1, same)
        variables = self.resources["IssueTokensFunction"]["Properties"]["Environment"]["Variables"]
        self.assertEqual(variables["API_AUTHORIZATION"], {"Ref": "ApiAuthorization"})
        for name, parameter in [("ISSUER_SCOPES", "JwtScopes"), ("REVIEWER_SCOPES", "ReviewerJwtScopes"),
                                ("ERASURE_SCOPES", "ErasureJwtScopes")]:
            self.assertEqual(variables[name], {"Fn::Join": [",", {"Ref": parameter}]}, name)

    def test_every_function_logs_to_a_group_with_retention(self):
        retention = TEMPLATE["Parameters"]["LogRetentionDays"]
        self.assertEqual(retention["Default"], 30)
        for name in FUNCTIONS:
            logging = self.deployed[name]["Properties"]["LoggingConfig"]
            self.assertEqual(logging["LogFormat"], "JSON", name)
            group = logging["LogGroup"]["Ref"]
            self.assertEqual(self.resources[group]["Type"], "AWS::Logs::LogGroup", name)
            self.assertEqual(self.resources[group]["Properties"]["RetentionInDays"], {"Ref": "LogRetentionDays"})
            self.assertEqual(self.resources[group].get("Condition"), self.resources[name].get("Condition"), name)
        groups = [n for n, r in self.resources.items() if r["Type"] == "AWS::Logs::LogGroup"]
        for group in groups:
            self.assertIn("RetentionInDays", self.resources[group]["Properties"], group)

    def test_alarms_watch_errors_throttles_api_5xx_the_dead_letter_queue_and_the_callbacks_metrics(self):
        alarms = {n: r for n, r in self.resources.items() if r["Type"] == "AWS::CloudWatch::Alarm"}
        watched = set()
        for name, alarm in alarms.items():
            properties = alarm["Properties"]
            dimensions = {d["Name"]: d["Value"] for d in properties["Dimensions"]}
            watched.add((properties["Namespace"], properties["MetricName"], json.dumps(dimensions, sort_keys=True)))
            # One refused signature may be a stray request to a public URL; five in 5 minutes
            # are an attack or a half-done rotation.
            self.assertEqual(properties["Threshold"], 5 if name == "RefusedSignaturesAlarm" else 1, name)
            self.assertEqual(properties["ComparisonOperator"], "GreaterThanOrEqualToThreshold", name)
            self.assertEqual(properties["TreatMissingData"], "notBreaching", name)
            self.assertEqual(evaluate(properties["AlarmActions"], {"AlarmTopicArn": "arn:aws:sns:eu-west-1:1:ops"}),
                             ["arn:aws:sns:eu-west-1:1:ops"], name)
            self.assertIsNone(evaluate(properties["AlarmActions"], {}), name)
        for function in FUNCTIONS:
            for metric in ["Errors", "Throttles"]:
                key = ("AWS/Lambda", metric, json.dumps({"FunctionName": {"Ref": function}}))
                self.assertIn(key, watched, f"{function} {metric}")
        self.assertIn(("AWS/ApiGateway", "5xx", json.dumps({"ApiId": {"Ref": "HttpApi"}, "Stage": {"Ref": "Stage"}},
                                                            sort_keys=True)), watched)
        # The callback's own metrics, under the names and dimension the code counts them with
        # (shared/adapters/src/metrics.rs, functions/idenfy-callback FUNCTION).
        callback = json.dumps({"Function": "idenfy-callback"})
        for metric in ["RefusedSignatures", "RevisionsPastBound"]:
            self.assertIn(("idenfy-pair", metric, callback), watched, metric)
        # Issuance's: a session iDenfy has not deleted a day after its erasure.
        self.assertIn(("idenfy-pair", "IdenfyDeletionsOverdue", json.dumps({"Function": "issue-tokens"})), watched)
        self.assertIn('IDENFY_DELETIONS_OVERDUE: &str = "IdenfyDeletionsOverdue"',
                      (ROOT / "shared/adapters/src/metrics.rs").read_text())
        self.assertIn('FUNCTION: &str = "issue-tokens"',
                      (ROOT / "functions/issue-tokens/src/lib.rs").read_text())
        metrics_rs = (ROOT / "shared/adapters/src/metrics.rs").read_text()
        self.assertIn('NAMESPACE: &str = "idenfy-pair"', metrics_rs)
        self.assertIn('REFUSED_SIGNATURES: &str = "RefusedSignatures"', metrics_rs)
        self.assertIn('REVISIONS_PAST_BOUND: &str = "RevisionsPastBound"', metrics_rs)
        self.assertIn('FUNCTION: &str = "idenfy-callback"',
                      (ROOT / "functions/idenfy-callback/src/lib.rs").read_text())
        queue = json.dumps({"QueueName": {"Fn::GetAtt": ["NotifyDeadLetterQueue", "QueueName"]}})
        self.assertIn(("AWS/SQS", "ApproximateNumberOfMessagesVisible", queue), watched)
        self.assertEqual(alarms["NotifyDeadLetterAlarm"]["Condition"], "NotifyDecisions")

    def test_table_keeps_its_data_safe(self):
        table = self.resources["PairsTable"]
        properties = table["Properties"]
        self.assertEqual(table["DeletionPolicy"], "Retain")
        self.assertEqual(table["UpdateReplacePolicy"], "Retain")
        self.assertEqual(properties["BillingMode"], "PAY_PER_REQUEST")
        self.assertEqual(properties["KeySchema"], [{"AttributeName": "clientId", "KeyType": "HASH"}])
        self.assertEqual(properties["TimeToLiveSpecification"], {"AttributeName": "expiresAt", "Enabled": True})
        self.assertTrue(properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"])
        self.assertTrue(properties["SSESpecification"]["SSEEnabled"])

    def test_callback_answers_inside_idenfys_ten_seconds(self):
        timeout = self.resources["IdenfyCallbackFunction"]["Properties"]["Timeout"]
        # idenfy-callback's FUNCTION_TIMEOUT, which its WORST_CASE is tested against.
        self.assertEqual(timeout, 9)
        integration = self.resources["IdenfyCallbackIntegration"]["Properties"]
        self.assertLessEqual(integration["TimeoutInMillis"], 10000)

    def test_functions_are_rust_on_arm64_with_unique_binaries(self):
        function = TEMPLATE["Globals"]["Function"]
        self.assertEqual(function["Runtime"], "provided.al2023")
        self.assertEqual(function["Architectures"], [{"Ref": "Architecture"}])
        architecture = TEMPLATE["Parameters"]["Architecture"]
        self.assertEqual((architecture["Default"], architecture["AllowedValues"]), ("arm64", ["arm64", "x86_64"]))
        self.assertEqual(function["Handler"], "bootstrap")
        self.assertTrue(128 <= function["MemorySize"] <= 256)
        self.assertEqual(function["LoggingConfig"]["LogFormat"], "JSON")
        binaries = {}
        for name in ["IssueTokensFunction", "IdenfyCallbackFunction", "NotifyDecisionsFunction"]:
            metadata = self.resources[name]["Metadata"]
            self.assertEqual(metadata["BuildMethod"], "rust-cargolambda")
            binaries[name] = metadata["BuildProperties"]["Binary"]
            manifest = ROOT / self.resources[name]["Properties"]["CodeUri"] / "Cargo.toml"
            self.assertIn(f'name = "{binaries[name]}"', manifest.read_text(), name)
        self.assertEqual(len(set(binaries.values())), 3)

    def test_permit_step_settings_reach_the_functions_that_read_them(self):
        parameters = TEMPLATE["Parameters"]
        # The defaults are the code's own (shared/app/src/config.rs).
        self.assertEqual(parameters["PermitStepName"]["Default"], "RESIDENCE_PERMIT")
        self.assertEqual(parameters["PermitStepSource"]["Default"], "token")
        self.assertEqual(sorted(parameters["PermitStepSource"]["AllowedValues"]), ["account", "token"])
        for name in ["IssueTokensFunction", "IdenfyCallbackFunction"]:
            variables = self.deployed[name]["Properties"]["Environment"]["Variables"]
            self.assertEqual(variables["IDENFY_PERMIT_STEP"], {"Ref": "PermitStepName"}, name)
        issuing = self.deployed["IssueTokensFunction"]["Properties"]["Environment"]["Variables"]
        self.assertEqual(issuing["IDENFY_PERMIT_STEP_SOURCE"], {"Ref": "PermitStepSource"})

    def test_permit_policy_and_pairs_cap_reach_issuance_only(self):
        parameters = TEMPLATE["Parameters"]
        # The code's defaults (shared/core/src/pair/permit.rs): any country, valid on the day.
        self.assertEqual(parameters["PermitIssuingCountries"]["Default"], "")
        self.assertEqual(parameters["PermitMinValidDays"]["Default"], 0)
        self.assertEqual(parameters["PermitMinValidDays"]["MaxValue"], 3650)
        pattern = re.compile(parameters["PermitIssuingCountries"]["AllowedPattern"])
        for accepted in ["", "DE", "DE,AT", ",".join(["DE"] * 60)]:
            self.assertTrue(pattern.fullmatch(accepted), accepted)
        for refused in ["de", "DE, AT", "DEU", "DE,", ",".join(["DE"] * 61)]:
            self.assertFalse(pattern.fullmatch(refused), refused)
        issuing = self.deployed["IssueTokensFunction"]["Properties"]["Environment"]["Variables"]
        self.assertEqual(issuing["PERMIT_ISSUING_COUNTRIES"], {"Ref": "PermitIssuingCountries"})
        self.assertEqual(issuing["PERMIT_MIN_VALID_DAYS"], {"Ref": "PermitMinValidDays"})
        self.assertEqual(issuing["MAX_PAIRS_PER_CLIENT_PER_DAY"], {"Ref": "MaxPairsPerClientPerDay"})
        cap = parameters["MaxPairsPerClientPerDay"]
        # The code's default and bounds (shared/app/src/config/verifications_api.rs).
        self.assertEqual((cap["Default"], cap["MinValue"], cap["MaxValue"]), (5, 1, 100))
        config = (ROOT / "shared/app/src/config/verifications_api.rs").read_text()
        self.assertIn("const DEFAULT_MAX_PAIRS_PER_DAY: u64 = 5;", config)
        self.assertIn("const MAX_PAIRS_PER_DAY: u64 = 100;", config)
        # The pair keeps its policy: the callback never reads the configured one.
        callback = self.deployed["IdenfyCallbackFunction"]["Properties"]["Environment"]["Variables"]
        self.assertNotIn("PERMIT_ISSUING_COUNTRIES", callback)

    def test_no_secret_has_a_default(self):
        for name, parameter in TEMPLATE["Parameters"].items():
            lowered = name.lower()
            # A KMS key's ARN names a key, it is none.
            if name == "KmsKeyArn":
                continue
            if any(word in lowered for word in ["secret", "key", "password", "token"]) and not lowered.endswith("name"):
                self.assertNotIn("Default", parameter, name)
        text = (ROOT / "template.yaml").read_text()
        self.assertNotIn("idenfy-pair-test-signing-key", text)

    def test_no_secret_value_in_any_functions_environment(self):
        """The functions read their secrets while running: only the name is configured, and each
        may read its own secret and nothing else in Secrets Manager (one secret per role)."""
        text = (ROOT / "template.yaml").read_text()
        self.assertNotIn("{{resolve:", text)
        secret_variables = {"IDENFY_API_KEY", "IDENFY_API_SECRET", "IDENFY_SIGNING_KEYS", "DOCUMENT_HASH_KEY",
                            "SITE_WEBHOOK_SECRETS"}
        for name in FUNCTIONS:
            variables = self.deployed[name]["Properties"]["Environment"]["Variables"]
            self.assertEqual(secret_variables & set(variables), set(), name)
            self.assertEqual(variables["SECRET_ID"], {"Ref": SECRET_OF[name]}, name)
        self.assertNotIn("SECRET_ID", TEMPLATE["Globals"]["Function"]["Environment"]["Variables"])
        self.assertEqual(len(set(SECRET_OF.values())), 3)
        readers = set()
        for role, statement in every_policy_statement(self.deployed):
            if isinstance(statement, dict) and "Fn::If" in statement:
                self.assertEqual(statement["Fn::If"][2], {"Ref": "AWS::NoValue"})
                statement = statement["Fn::If"][1]
            if any(str(a).startswith("secretsmanager:") for a in as_list(statement["Action"])):
                self.assertEqual(as_list(statement["Action"]), ["secretsmanager:GetSecretValue"], role)
                function = role.removesuffix("Role")
                self.assertEqual(statement["Resource"], secret_arn(SECRET_OF[function]), role)
                readers.add(role)
        self.assertEqual(readers, {f"{name}Role" for name in FUNCTIONS})

    def test_outputs_name_the_urls_to_use(self):
        outputs = TEMPLATE["Outputs"]
        self.assertEqual(set(outputs), {"ApiUrl", "WebhookUrl", "TableName", "NotifyDeadLetterQueueUrl"})
        self.assertEqual(outputs["NotifyDeadLetterQueueUrl"]["Condition"], "NotifyDecisions")
        self.assertEqual(
            outputs["WebhookUrl"]["Value"],
            {"Fn::Sub": "https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${Stage}/webhooks/idenfy"},
        )

    def test_the_notifier_exists_only_when_a_sink_is_configured(self):
        conditions = TEMPLATE["Conditions"]
        self.assertEqual(conditions["HasSiteWebhook"], {"Fn::Not": [{"Fn::Equals": [{"Ref": "SiteWebhookUrl"}, ""]}]})
        self.assertEqual(conditions["HasEventBus"], {"Fn::Not": [{"Fn::Equals": [{"Ref": "EventBusName"}, ""]}]})
        self.assertEqual(
            conditions["NotifyDecisions"],
            {"Fn::Or": [{"Condition": "HasSiteWebhook"}, {"Condition": "HasEventBus"}]},
        )
        # Both default to empty: a deployment that asks for nothing gets no stream and no notifier.
        parameters = TEMPLATE["Parameters"]
        self.assertEqual((parameters["SiteWebhookUrl"]["Default"], parameters["EventBusName"]["Default"]), ("", ""))
        for name in ["NotifyDecisionsFunction", "NotifyDecisionsStream", "NotifyDeadLetterQueue"]:
            self.assertEqual(self.resources[name]["Condition"], "NotifyDecisions", name)
        stream = self.resources["PairsTable"]["Properties"]["StreamSpecification"]
        self.assertEqual(
            stream,
            {"Fn::If": ["NotifyDecisions", {"StreamViewType": "NEW_AND_OLD_IMAGES"}, {"Ref": "AWS::NoValue"}]},
        )

    def test_notifications_are_at_least_once_and_bounded(self):
        mapping = self.resources["NotifyDecisionsStream"]["Properties"]
        self.assertEqual(mapping["EventSourceArn"], {"Fn::GetAtt": ["PairsTable", "StreamArn"]})
        self.assertEqual(mapping["FunctionResponseTypes"], ["ReportBatchItemFailures"])
        self.assertTrue(mapping["BisectBatchOnFunctionError"])
        self.assertEqual(mapping["ParallelizationFactor"], 1, "one record per clientId at a time, in order")
        self.assertLessEqual(mapping["MaximumRetryAttempts"], 10)
        self.assertLessEqual(mapping["MaximumRecordAgeInSeconds"], 3600)
        self.assertEqual(
            mapping["DestinationConfig"]["OnFailure"]["Destination"],
            {"Fn::GetAtt": ["NotifyDeadLetterQueue", "Arn"]},
        )
        pattern = json.loads(mapping["FilterCriteria"]["Filters"][0]["Pattern"])
        self.assertEqual(pattern["eventName"], ["INSERT", "MODIFY"])
        verdict = pattern["dynamodb"]["NewImage"]["pair"]["M"]["verdict"]["M"]
        self.assertEqual(verdict, {"version": {"N": [{"exists": True}]}})
        # A batch delivered one record after another fits the function's timeout.
        function = self.resources["NotifyDecisionsFunction"]["Properties"]
        self.assertGreaterEqual(function["Timeout"], mapping["BatchSize"] * 5)

    def test_the_notifier_may_only_read_its_stream_and_reach_its_bus_and_queue(self):
        statements_by_sid = {}
        for name, statement in every_policy_statement(self.deployed):
            if name != "NotifyDecisionsFunctionRole":
                continue
            if statement == DATA_KEY_STATEMENT:
                continue
            if "Fn::If" in statement:
                condition = statement["Fn::If"][0]
                self.assertEqual(statement["Fn::If"][2], {"Ref": "AWS::NoValue"})
                statement = statement["Fn::If"][1]
                expected = "HasEventBus" if statement["Sid"] == "PutDecisionsOnTheBus" else "HasSiteWebhook"
                self.assertEqual(condition, expected, statement["Sid"])
            statements_by_sid[statement["Sid"]] = statement
        self.assertEqual(
            {sid: (s["Action"], s["Resource"]) for sid, s in statements_by_sid.items()},
            {
                "ReadThePairsStream": (
                    ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
                    {"Fn::GetAtt": ["PairsTable", "StreamArn"]},
                ),
                "ListThePairsStreams": (["dynamodb:ListStreams"], {"Fn::Sub": "${PairsTable.Arn}/stream/*"}),
                "SendWhatFailsToTheDeadLetterQueue": (
                    ["sqs:SendMessage"],
                    {"Fn::GetAtt": ["NotifyDeadLetterQueue", "Arn"]},
                ),
                "PutDecisionsOnTheBus": (
                    ["events:PutEvents"],
                    {"Fn::Sub": "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/${EventBusName}"},
                ),
                "ReadItsOwnSecret": (["secretsmanager:GetSecretValue"], secret_arn("SiteWebhookSecretName")),
            },
        )
        variables = self.deployed["NotifyDecisionsFunction"]["Properties"]["Environment"]["Variables"]
        self.assertEqual(variables["SITE_WEBHOOK_URL"], {"Ref": "SiteWebhookUrl"})
        self.assertEqual(variables["EVENT_BUS_NAME"], {"Ref": "EventBusName"})

    def test_local_only_settings_are_inert_by_default(self):
        for name in FUNCTIONS:
            function = self.deployed[name]["Properties"]
            self.assertEqual(evaluate(function["Architectures"], {}), ["arm64"], name)
            variables = evaluate(function["Environment"]["Variables"], {})
            self.assertNotIn("AWS_ENDPOINT_URL", variables, name)
            # Declared only so sam local can set them: empty is the function's own default.
            for declared_empty in ["IDENFY_TOKEN_EXPIRY_SECONDS", "IDENFY_SESSION_LENGTH_SECONDS",
                                   "MAX_CALLBACK_BYTES", "SITE_WEBHOOK_TIMEOUT_SECONDS"]:
                self.assertIn(variables.get(declared_empty, ""), [""], f"{name} {declared_empty}")
        local = {"LocalEndpointUrl": "http://host.docker.internal:5000", "Architecture": "x86_64"}
        for name in FUNCTIONS:
            function = self.deployed[name]["Properties"]
            self.assertEqual(evaluate(function["Architectures"], local), ["x86_64"], name)
            variables = evaluate(function["Environment"]["Variables"], local)
            self.assertEqual(variables["AWS_ENDPOINT_URL"], "http://host.docker.internal:5000", name)

    def test_the_public_api_url_reaches_issuance_and_is_https(self):
        import re

        pattern = re.compile(TEMPLATE["Parameters"]["PublicApiUrl"]["AllowedPattern"])
        for ok in ["", "https://id.shop.example.com", "https://id.shop.example.com/v1"]:
            self.assertTrue(pattern.fullmatch(ok), ok)
        for bad in ["http://id.shop.example.com", "https://id.shop.example.com/?x=1", "https://a b", "ftp://x"]:
            self.assertFalse(pattern.fullmatch(bad), bad)
        variables = self.deployed["IssueTokensFunction"]["Properties"]["Environment"]["Variables"]
        self.assertEqual(variables["PUBLIC_API_URL"], {"Ref": "PublicApiUrl"})

    def test_the_local_endpoint_can_only_name_this_machine(self):
        import re

        pattern = re.compile(TEMPLATE["Parameters"]["LocalEndpointUrl"]["AllowedPattern"])
        for ok in ["", "http://127.0.0.1:5000", "http://localhost:8000", "http://host.docker.internal:4566"]:
            self.assertTrue(pattern.fullmatch(ok), ok)
        for bad in ["https://dynamodb.eu-west-1.amazonaws.com", "http://10.0.0.1:5000",
                    "http://host.docker.internal.example.com", "http://127.0.0.1:5000/path"]:
            self.assertFalse(pattern.fullmatch(bad), bad)

    def test_the_sam_local_env_file_sets_only_declared_variables(self):
        """sam local drops what a template does not declare; the suite checks the env file covers
        what each function reads (tests/suite/sam_local_env.rs)."""
        env_file = json.loads((ROOT / "events" / "sam-local-env.json").read_text())
        global_variables = set(TEMPLATE["Globals"]["Function"]["Environment"]["Variables"])
        declared = {
            name: global_variables | set(self.resources[name]["Properties"]["Environment"]["Variables"])
            for name in FUNCTIONS
        }
        self.assertEqual(set(env_file), {"Parameters", *FUNCTIONS})
        for name in env_file["Parameters"]:
            self.assertIn(name, global_variables, "Parameters apply to every function")
        for function in FUNCTIONS:
            undeclared = set(env_file[function]) - declared[function]
            self.assertEqual(undeclared, set(), function)
        for variables in declared.values():
            self.assertNotIn("INSECURE_ALLOW_UNSIGNED_CALLBACKS", variables)

    def test_the_api_comes_before_the_functions_for_sam_local_start_api(self):
        order = list(TEMPLATE["Resources"])
        first_function = min(order.index(name) for name in FUNCTIONS)
        self.assertLess(order.index("HttpApi"), first_function)
        for route in ["IssueRoute", "StatusRoute", "RenewalRoute", "ReviewRoute", "EvidenceRoute", "EraseRoute", "ContinueRoute",
                      "WebhookRoute"]:
            self.assertLess(order.index(route), first_function, route)

    def test_jwt_mode_translates_too(self):
        deployed = translated({"ApiAuthorization": "JWT", "JwtIssuer": "https://issuer.example.com", "JwtAudience": "app"})
        self.assertIn("JwtAuthorizer", deployed["Resources"])


class SecurityScanFixesTest(unittest.TestCase):
    """What issue 17 added for a security scanner (checkov runs in `make test` too): optional
    customer-managed encryption, API access logs, reserved concurrency — each inert by default."""

    def setUp(self):
        self.resources = TEMPLATE["Resources"]

    def encrypted(self, parameters):
        table = evaluate(self.resources["PairsTable"]["Properties"]["SSESpecification"], parameters)
        groups = {
            name: evaluate(r["Properties"], parameters).get("KmsKeyId")
            for name, r in self.resources.items()
            if r["Type"] == "AWS::Logs::LogGroup"
        }
        queue = evaluate(self.resources["NotifyDeadLetterQueue"]["Properties"], parameters)
        return table, groups, queue

    def test_without_a_key_encryption_is_aws_managed_as_before(self):
        table, groups, queue = self.encrypted({})
        self.assertEqual(table, {"SSEEnabled": True})
        self.assertEqual(set(groups.values()), {None})
        self.assertTrue(queue["SqsManagedSseEnabled"])
        self.assertNotIn("KmsMasterKeyId", queue)
        deployed = translated()["Resources"]
        for name, statement in every_policy_statement(deployed):
            self.assertNotIn("kms:", json.dumps(evaluate(statement, {}) or {}), name)

    def test_a_customer_managed_key_encrypts_the_table_the_logs_and_the_queue(self):
        table, groups, queue = self.encrypted({"KmsKeyArn": KMS_KEY})
        self.assertEqual(table, {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": KMS_KEY})
        self.assertEqual(len(groups), 4, "three functions' groups and the API's access log")
        self.assertEqual(set(groups.values()), {KMS_KEY})
        self.assertEqual(queue["KmsMasterKeyId"], KMS_KEY)
        self.assertNotIn("SqsManagedSseEnabled", queue, "one encryption or the other")
        # Every function may use that key, and only that key.
        deployed = translated()["Resources"]
        roles = {name for name, statement in every_policy_statement(deployed) if statement == DATA_KEY_STATEMENT}
        self.assertEqual(roles, {f"{f}Role" for f in FUNCTIONS})
        pattern = TEMPLATE["Parameters"]["KmsKeyArn"]["AllowedPattern"]
        import re
        self.assertRegex(KMS_KEY, pattern)
        self.assertIsNone(re.fullmatch(pattern, "alias/my-key"), "a key's ARN, not an alias")

    def test_api_access_logs_name_the_call_never_its_content(self):
        stage = self.resources["HttpApiStage"]["Properties"]
        settings = stage["AccessLogSettings"]
        self.assertEqual(settings["DestinationArn"], {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]})
        group = self.resources["ApiAccessLogGroup"]["Properties"]
        self.assertEqual(group["RetentionInDays"], {"Ref": "LogRetentionDays"})
        fields = json.loads(settings["Format"])
        for wanted in ["requestId", "routeKey", "status", "latencyMs", "sourceIp"]:
            self.assertIn(wanted, fields)
        variables = " ".join(fields.values())
        # The route key is the template (/verifications/{clientId}); the path holds the clientId.
        for never in ["$context.path", "querystring", "$input", "body", "$context.authorizer"]:
            self.assertNotIn(never, variables.lower() if never.islower() else variables)

    def test_reserved_concurrency_is_set_only_when_given(self):
        for function, parameter in [
            ("IssueTokensFunction", "IssuanceReservedConcurrency"),
            ("IdenfyCallbackFunction", "CallbackReservedConcurrency"),
        ]:
            properties = self.resources[function]["Properties"]
            self.assertNotIn("ReservedConcurrentExecutions", evaluate(properties, {}), function)
            limited = evaluate(properties, {parameter: "20"})
            self.assertEqual(limited["ReservedConcurrentExecutions"], "20", function)
            import re
            pattern = TEMPLATE["Parameters"][parameter]["AllowedPattern"]
            self.assertIsNone(re.fullmatch(pattern, "0"), "0 would stop the function")
        translated({"IssuanceReservedConcurrency": "10", "CallbackReservedConcurrency": "20", "KmsKeyArn": KMS_KEY})

    def test_every_scanner_suppression_gives_its_reason(self):
        import re
        text = (ROOT / "template.yaml").read_text()
        skips = re.findall(r"#\s*checkov:skip=([A-Z0-9_]+)(?::(.*))?", text)
        self.assertGreaterEqual(len(skips), 9)
        for check, reason in skips:
            self.assertGreater(len((reason or "").strip()), 20, f"{check} needs a reason")
        deploy = (ROOT / "docs/deploy.md").read_text()
        for check in {check for check, _ in skips}:
            self.assertTrue(check in deploy, f"docs/deploy.md's security scan explains {check}")


if __name__ == "__main__":
    unittest.main()
