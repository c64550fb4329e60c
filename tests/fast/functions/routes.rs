//! The one route table: each function's routes by API Gateway routeKey, the handler's dispatch
//! by it, and the template's routes equal to it.

use issue_tokens::ApiError;
use issue_tokens::routes::{API_ROUTES, SCHEDULED_ROUTES, api_paths, endpoint};

#[test]
fn each_key_finds_its_endpoint_and_a_wrong_method_lists_the_path_s_methods() {
    for (key, expected) in API_ROUTES.iter().chain(&SCHEDULED_ROUTES) {
        assert_eq!(endpoint(key).ok(), Some(*expected), "{key}");
    }
    let allowed = |key| match endpoint(key) {
        Err(ApiError::MethodNotAllowed(allow)) => allow,
        other => panic!("{key}: {other:?}"),
    };
    assert_eq!(allowed("PUT /verifications/{clientId}"), "GET, DELETE");
    assert_eq!(allowed("PUT /verifications"), "POST, GET");
    assert_eq!(allowed("GET /verifications/{clientId}/claim"), "POST");
    assert!(matches!(
        endpoint("GET /internal/expiry-watch"),
        Err(ApiError::RouteNotFound)
    ));
    assert!(matches!(endpoint("$default"), Err(ApiError::RouteNotFound)));
    assert_eq!(
        api_paths(),
        [
            "/verifications",
            "/verifications/{clientId}",
            "/verifications/{clientId}/renewal",
            "/verifications/{clientId}/review",
            "/verifications/{clientId}/evidence",
            "/verifications/{clientId}/claim",
            "/verifications/{clientId}/continue",
        ]
    );
}

/// The template's `RouteKey`s, read from its text (each route is one `RouteKey: …` line).
fn template_route_keys() -> Vec<String> {
    let template =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml"))
            .expect("template.yaml");
    let mut keys: Vec<String> = template
        .lines()
        .filter_map(|line| line.trim().strip_prefix("RouteKey:"))
        .map(|key| key.trim().to_owned())
        .collect();
    keys.sort();
    keys
}

#[test]
fn the_template_routes_exactly_the_functions_api_routes() {
    let mut served: Vec<String> = API_ROUTES
        .iter()
        .map(|(key, _)| (*key).to_owned())
        .chain([idenfy_callback::ROUTE.to_owned()])
        .collect();
    served.sort();
    assert_eq!(template_route_keys(), served);
    for (scheduled, _) in SCHEDULED_ROUTES {
        assert!(!template_route_keys().iter().any(|key| key == scheduled));
    }
}
