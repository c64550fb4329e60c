//! The API's three duties, as the function checks them again in JWT mode: which scopes a
//! request's token holds ([`jwt_scopes`]), and whether they grant a route's duty
//! ([`DutyScopes::check`]).

use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};

/// The scopes of the request's JWT, as API Gateway's JWT authorizer passed them; `None` when
/// no JWT authorizer ran (IAM, none, or an event invoked directly).
pub fn jwt_scopes(request: &Request) -> Option<Vec<String>> {
    let RequestContext::ApiGatewayV2(context) = request.request_context_ref()? else {
        return None;
    };
    let jwt = context.authorizer.as_ref()?.jwt.as_ref()?;
    Some(jwt.scopes.clone().unwrap_or_default())
}

/// The three duties the API keeps apart: a route belongs to one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duty {
    /// Issue a pair and read its status: the site's backend.
    Issuer,
    /// Read the evidence and decide a review: a person reviewing.
    Reviewer,
    /// Erase a clientId: data-protection tooling.
    Eraser,
}

impl Duty {
    pub fn as_str(self) -> &'static str {
        match self {
            Duty::Issuer => "issuer",
            Duty::Reviewer => "reviewer",
            Duty::Eraser => "eraser",
        }
    }
}

/// In JWT mode, the scopes that grant each duty (any one of a duty's list), as the template
/// gives API Gateway: the function checks them again, so a misrouted or directly invoked event
/// cannot cross duties. No scope grants two duties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DutyScopes {
    pub issuer: Vec<String>,
    pub reviewer: Vec<String>,
    pub eraser: Vec<String>,
}

/// Why a request may not use a duty's route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DutyRefusal {
    /// No JWT at all (in JWT mode every duty's route has one).
    NoToken,
    /// A JWT without any of the duty's scopes.
    Forbidden(Duty),
}

impl DutyScopes {
    pub fn of(&self, duty: Duty) -> &[String] {
        match duty {
            Duty::Issuer => &self.issuer,
            Duty::Reviewer => &self.reviewer,
            Duty::Eraser => &self.eraser,
        }
    }

    /// Whether `request` carries a JWT holding one of `duty`'s scopes.
    pub fn check(&self, request: &Request, duty: Duty) -> Result<(), DutyRefusal> {
        let scopes = jwt_scopes(request).ok_or(DutyRefusal::NoToken)?;
        if scopes.iter().any(|s| self.of(duty).contains(s)) {
            Ok(())
        } else {
            Err(DutyRefusal::Forbidden(duty))
        }
    }
}
