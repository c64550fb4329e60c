"""The HTTP contract, docs/openapi.yaml, held to the code.

1. The spec is valid OpenAPI 3 (openapi-spec-validator).
2. It describes exactly the routes of template.yaml.
3. Every response the integration tier received from the functions (recorded by the suite's
   helpers into a JSON-lines file: route key, status, content type, body) is documented: its
   status is one the route declares, and a JSON body validates against the declared schema.
4. Every route has at least one validated response, so the check cannot pass on nothing.

A recorded route key that is no route of template.yaml (the local stack, and some tests, send a
known path another method, which the function answers 405) is counted and left out: deployed,
API Gateway answers those itself and the function never sees them.

Usage: check.py RESPONSES.jsonl  (make test records the file, then runs this)
       check.py --responses-only RESPONSES.jsonl  (only 3., for the suite's test of the check)
"""

import json
import pathlib
import sys

import yaml
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate as validate_spec

ROOT = pathlib.Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT / "docs/openapi.yaml"


def load_spec(path=SPEC_PATH):
    return yaml.safe_load(pathlib.Path(path).read_text())


def template_routes():
    """The RouteKeys of template.yaml's API routes (CloudFormation tags read as plain data)."""

    class Loader(yaml.SafeLoader):
        pass

    def any_tag(loader, suffix, node):
        if isinstance(node, yaml.ScalarNode):
            return loader.construct_scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node)
        return loader.construct_mapping(node)

    Loader.add_multi_constructor("!", any_tag)
    template = yaml.load((ROOT / "template.yaml").read_text(), Loader=Loader)
    return {
        r["Properties"]["RouteKey"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::ApiGatewayV2::Route"
    }


def spec_routes(spec):
    methods = {"get", "post", "put", "delete", "patch"}
    return {
        f"{method.upper()} {path}"
        for path, item in spec["paths"].items()
        for method in item
        if method in methods
    }


def operation(spec, route_key):
    method, path = route_key.split(" ", 1)
    return spec["paths"].get(path, {}).get(method.lower())


def resolve(spec, node):
    """`node`, its `$ref` followed (to the spec's components) until there is none."""
    while isinstance(node, dict) and "$ref" in node:
        target = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def response_problems(spec, record):
    """What is wrong with one recorded response ([] when it is as documented)."""
    route, status = record["route"], str(record["status"])
    found = operation(spec, route)
    if found is None:
        return [f"{route}: no such operation in the spec"]
    declared = found.get("responses", {})
    if status not in declared:
        return [f"{route} answered {status}, which the spec does not declare ({sorted(declared)})"]
    response = resolve(spec, declared[status])
    content = response.get("content")
    kind = (record.get("contentType") or "").split(";")[0].strip()
    if not content:
        return []
    if kind not in content:
        return [f"{route} {status}: content type {kind!r}, the spec declares {sorted(content)}"]
    if kind != "application/json":
        return []
    schema = {"allOf": [content[kind]["schema"]], "components": spec["components"]}
    validator = OAS30Validator(schema)
    return [
        f"{route} {status}: {'/'.join(map(str, error.absolute_path)) or '(body)'}: {error.message}"
        for error in validator.iter_errors(record["body"])
    ]


def check(spec, records, template=None):
    """Every problem found, as lines; [] when the spec and the responses agree."""
    problems = []
    try:
        validate_spec(spec)
    except Exception as error:  # the validator's own exception types vary by version
        problems.append(f"the spec is not valid OpenAPI: {error}")
    if template is not None:
        ours = spec_routes(spec)
        for missing in sorted(template - ours):
            problems.append(f"template.yaml's route {missing} is not in the spec")
        for extra in sorted(ours - template):
            problems.append(f"the spec's {extra} is no route of template.yaml")
    validated = set()
    for record in records:
        if template is not None and record["route"] not in template:
            continue
        found = response_problems(spec, record)
        problems.extend(found)
        if not found:
            validated.add(record["route"])
    for route in sorted(spec_routes(spec) - validated):
        problems.append(f"{route}: no response of the tests was validated against the spec")
    return problems


def read_records(path):
    with open(path) as lines:
        return [json.loads(line) for line in lines if line.strip()]


def main(argv):
    responses_only = argv[1:2] == ["--responses-only"]
    if responses_only:
        argv = argv[:1] + argv[2:]
    if len(argv) != 2:
        print(__doc__)
        return 2
    path = pathlib.Path(argv[1])
    if not path.exists():
        print(f"{path}: no recorded responses. Run the integration tier through `make test`, "
              "which sets API_RESPONSES for the suite and runs this check after it.")
        return 1
    records = read_records(path)
    if responses_only:
        problems = [p for r in records for p in response_problems(load_spec(), r)]
        for problem in problems:
            print(problem)
        return 1 if problems else 0
    template = template_routes()
    problems = check(load_spec(), records, template)
    for problem in problems:
        print(problem)
    checked = [r for r in records if r["route"] in template]
    routes = {r["route"] for r in checked}
    print(f"openapi: {len(checked)} responses of {len(routes)} routes checked against "
          f"docs/openapi.yaml ({len(records) - len(checked)} on no API route left out): "
          f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
