//! The environment as the configuration reads it: variables through a lookup (the process's,
//! or a map for the local stack and the tests), an empty value counted as unset. A leaf: the
//! outgoing clients' setup reads it too, without the configuration.

use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is required")]
    Missing(&'static str),
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

/// Reads variables through `lookup`; an empty value counts as unset (SAM passes empty
/// parameters through as empty strings).
pub struct Env<F>(F);

impl<F: Fn(&str) -> Option<String>> Env<F> {
    pub fn new(lookup: F) -> Self {
        Self(lookup)
    }

    pub fn optional(&self, name: &'static str) -> Option<String> {
        (self.0)(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    pub fn required(&self, name: &'static str) -> Result<String, ConfigError> {
        self.optional(name).ok_or(ConfigError::Missing(name))
    }

    pub fn number(
        &self,
        name: &'static str,
        default: u64,
        range: std::ops::RangeInclusive<u64>,
    ) -> Result<u64, ConfigError> {
        let Some(raw) = self.optional(name) else {
            return Ok(default);
        };
        let value: u64 = raw
            .parse()
            .map_err(|_| invalid(name, "not a whole number"))?;
        if !range.contains(&value) {
            return Err(invalid(
                name,
                format!("must be between {} and {}", range.start(), range.end()),
            ));
        }
        Ok(value)
    }

    /// `true` or `false`; unset: `default`.
    pub fn flag(&self, name: &'static str, default: bool) -> Result<bool, ConfigError> {
        match self.optional(name).as_deref() {
            None => Ok(default),
            Some("true") => Ok(true),
            Some("false") => Ok(false),
            Some(_) => Err(invalid(name, "must be true or false")),
        }
    }
}

pub fn std_env() -> Env<impl Fn(&str) -> Option<String>> {
    Env::new(|name: &str| std::env::var(name).ok())
}

impl Env<Box<dyn Fn(&str) -> Option<String> + Send + Sync>> {
    /// Variables from a list instead of the process environment (the local stack, tests).
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let map: HashMap<String, String> = pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        Env::new(Box::new(move |name: &str| map.get(name).cloned()))
    }
}

pub fn invalid(name: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        name,
        reason: reason.into(),
    }
}
