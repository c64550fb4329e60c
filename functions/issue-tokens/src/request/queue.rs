//! The `GET /verifications` query → a [`QueueQuery`]: the queue by `status`, the page's
//! `limit`, the previous page's `cursor` (checked by the queue itself: only it knows the keys).

use super::FieldError;
use pair_app::review::queue::{DEFAULT_PAGE, MAX_PAGE};
use pair_core::pair::queue::Queue;

/// A page of the queue, as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueQuery {
    pub queue: Queue,
    pub limit: usize,
    pub cursor: Option<String>,
}

/// Reads `status`, `limit` and `cursor` through `value` (the query's values of a name); every
/// problem found, or the query.
pub fn parse_queue_query<'a>(
    value: impl Fn(&str) -> Vec<&'a str>,
) -> Result<QueueQuery, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut single = |name: &str| match value(name).as_slice() {
        [] => None,
        [one] => Some(*one),
        _ => {
            errors.push(FieldError::new(name, "REPEATED", "must be given once"));
            None
        }
    };
    let status = single("status");
    let limit = single("limit");
    let cursor = single("cursor").map(str::to_owned);
    let queue = match status {
        None => {
            if value("status").is_empty() {
                errors.push(FieldError::new("status", "REQUIRED", "is required"));
            }
            None
        }
        Some(status) => Queue::parse(status).or_else(|| {
            errors.push(FieldError::new(
                "status",
                "INVALID_VALUE",
                format!("must be {}", Queue::RequiresReview.as_str()),
            ));
            None
        }),
    };
    let limit = match limit.map(str::parse::<usize>) {
        None => Some(DEFAULT_PAGE),
        Some(Ok(limit)) if (1..=MAX_PAGE).contains(&limit) => Some(limit),
        Some(_) => {
            errors.push(FieldError::new(
                "limit",
                "OUT_OF_RANGE",
                format!("must be a whole number from 1 to {MAX_PAGE}"),
            ));
            None
        }
    };
    match (queue, limit) {
        (Some(queue), Some(limit)) if errors.is_empty() => Ok(QueueQuery {
            queue,
            limit,
            cursor,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&'static str, &'static str)]) -> Result<QueueQuery, Vec<&'static str>> {
        parse_queue_query(|name| {
            pairs
                .iter()
                .filter(|(n, _)| *n == name)
                .map(|(_, v)| *v)
                .collect()
        })
        .map_err(|errors| errors.into_iter().map(|e| e.code).collect())
    }

    #[test]
    fn status_is_required_and_limit_is_bounded() {
        assert_eq!(
            parse(&[("status", "REQUIRES_REVIEW")]),
            Ok(QueueQuery {
                queue: Queue::RequiresReview,
                limit: DEFAULT_PAGE,
                cursor: None
            })
        );
        assert_eq!(
            parse(&[
                ("status", "REQUIRES_REVIEW"),
                ("limit", "100"),
                ("cursor", "c")
            ])
            .map(|q| (q.limit, q.cursor)),
            Ok((100, Some("c".to_owned())))
        );
        assert_eq!(parse(&[]), Err(vec!["REQUIRED"]));
        assert_eq!(parse(&[("status", "VERIFIED")]), Err(vec!["INVALID_VALUE"]));
        for limit in ["0", "101", "-1", "ten", ""] {
            let asked = [("status", "REQUIRES_REVIEW"), ("limit", limit)];
            assert_eq!(parse(&asked), Err(vec!["OUT_OF_RANGE"]), "{limit}");
        }
        assert_eq!(
            parse(&[("status", "REQUIRES_REVIEW"), ("status", "REQUIRES_REVIEW")]),
            Err(vec!["REPEATED"])
        );
    }
}
