//! The URLs this service is configured with or handed: https, and plain http only on this
//! machine (the local stack and tests) — one rule for every URL — and the origins a site URL
//! must stay on, so our tokens can never redirect a person somewhere else.

use pair_adapters::idenfy::limits;
use url::Url;

/// This machine: 127.0.0.1, ::1, localhost, or `host.docker.internal` — Docker's name for the
/// machine running a container, which is how a function under `sam local` reaches the local
/// services (nothing resolves that name in a deployment).
pub fn is_this_machine(url: &Url) -> bool {
    matches!(
        url.host_str(),
        Some("127.0.0.1" | "localhost" | "[::1]" | "host.docker.internal")
    )
}

/// `raw` parsed, if it is https, or http on this machine.
pub fn https_or_this_machine(raw: &str) -> Result<Url, String> {
    let url = Url::parse(raw).map_err(|e| e.to_string())?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_this_machine(&url) => Ok(url),
        _ => Err(
            "must be https (http only on 127.0.0.1, ::1, localhost or host.docker.internal)"
                .to_owned(),
        ),
    }
}

/// Why a URL may not be used as a site URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SiteUrlProblem {
    #[error("must be 5-2048 characters")]
    Length,
    #[error("is not a valid URL: {0}")]
    NotAUrl(String),
    #[error("must not carry credentials")]
    Credentials,
    #[error("must be an https URL")]
    NotHttps,
    #[error("must be under one of ALLOWED_REDIRECT_ORIGINS")]
    OriginNotAllowed,
}

/// The origins site URLs may point to: no open redirect through our tokens.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedOrigins(Vec<url::Origin>);

impl AllowedOrigins {
    /// Comma-separated `https://host[:port]` entries; `http://` only on this machine.
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut origins = Vec::new();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let url = https_or_this_machine(entry).map_err(|e| format!("{entry:?}: {e}"))?;
            if url.path() != "/" || url.query().is_some() {
                return Err(format!("{entry:?}: an origin has no path or query"));
            }
            origins.push(url.origin());
        }
        Ok(Self(origins))
    }

    /// Why `candidate` may not be used as a site URL, if it may not.
    pub fn check(&self, candidate: &str) -> Result<(), SiteUrlProblem> {
        if !(limits::URL_MIN..=limits::URL_MAX).contains(&candidate.len()) {
            return Err(SiteUrlProblem::Length);
        }
        let url = Url::parse(candidate).map_err(|e| SiteUrlProblem::NotAUrl(e.to_string()))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(SiteUrlProblem::Credentials);
        }
        let allowed = self.0.contains(&url.origin());
        // An http origin can only be allowed on this machine: any other http URL is refused as such.
        if url.scheme() != "https" && !allowed {
            return Err(SiteUrlProblem::NotHttps);
        }
        if !allowed {
            return Err(SiteUrlProblem::OriginNotAllowed);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_urls_must_stay_on_allowed_origins() {
        let o = AllowedOrigins::parse("https://shop.example.com, https://app.example.com:8443")
            .unwrap();
        assert!(o.check("https://shop.example.com/done?x=1").is_ok());
        assert!(o.check("https://app.example.com:8443/x").is_ok());
        assert_eq!(
            o.check("https://shop.example.com.evil.net/"),
            Err(SiteUrlProblem::OriginNotAllowed)
        );
        assert_eq!(
            o.check("https://app.example.com/"),
            Err(SiteUrlProblem::OriginNotAllowed)
        );
        assert_eq!(
            o.check("https://user@shop.example.com/"),
            Err(SiteUrlProblem::Credentials)
        );
        assert_eq!(
            o.check("javascript:alert(1)"),
            Err(SiteUrlProblem::NotHttps)
        );
        assert_eq!(o.check("http"), Err(SiteUrlProblem::Length));
        assert!(AllowedOrigins::parse("http://shop.example.com").is_err());
        let local = AllowedOrigins::parse("http://127.0.0.1:3000").unwrap();
        assert!(local.check("http://127.0.0.1:3000/done?clientId=A").is_ok());
        assert_eq!(
            local.check("http://127.0.0.1:3001/done"),
            Err(SiteUrlProblem::NotHttps)
        );
        assert!(AllowedOrigins::parse("https://shop.example.com/path").is_err());
    }

    #[test]
    fn http_only_on_this_machine() {
        for ok in [
            "https://ivs.idenfy.com",
            "http://127.0.0.1:3001",
            "http://localhost:1",
            "http://[::1]:2",
            "http://host.docker.internal:5000",
        ] {
            assert!(https_or_this_machine(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://ivs.idenfy.com",
            "ftp://127.0.0.1",
            "not a url",
            "http://10.0.0.1",
            "http://172.17.0.1:5000",
            "http://host.docker.internal.example.com",
        ] {
            assert!(https_or_this_machine(bad).is_err(), "{bad}");
        }
    }
}
