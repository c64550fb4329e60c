//! A client built at its first use, then shared: a cold start builds only what its first
//! request needs (the functions' init stays within 1.5× of a bare runtime client's, see
//! docs/benchmarks.md), and a route that never calls iDenfy never builds its client.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use tokio::sync::OnceCell;

type Build<T> = dyn Fn() -> Pin<Box<dyn Future<Output = T> + Send>> + Send + Sync;

/// `T`, built by its builder the first time it is asked for; clones share the one value.
pub struct OnFirstUse<T> {
    value: Arc<OnceCell<T>>,
    build: Arc<Build<T>>,
}

impl<T> Clone for OnFirstUse<T> {
    fn clone(&self) -> Self {
        Self {
            value: Arc::clone(&self.value),
            build: Arc::clone(&self.build),
        }
    }
}

impl<T: Send + Sync + 'static> OnFirstUse<T> {
    /// Built by `build` when first asked for (concurrent first uses wait for one build).
    pub fn new<F, Fut>(build: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = T> + Send + 'static,
    {
        Self {
            value: Arc::new(OnceCell::new()),
            build: Arc::new(move || Box::pin(build())),
        }
    }

    /// Already built (tests hand in a client pointed at moto_server).
    pub fn ready(value: T) -> Self {
        Self {
            value: Arc::new(OnceCell::new_with(Some(value))),
            build: Arc::new(|| Box::pin(std::future::pending())),
        }
    }

    pub async fn get(&self) -> &T {
        self.value.get_or_init(|| (self.build)()).await
    }
}

impl<T> std::fmt::Debug for OnFirstUse<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OnFirstUse")
            .field("built", &self.value.initialized())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn builds_once_at_the_first_use_and_clones_share_it() {
        let builds = Arc::new(AtomicUsize::new(0));
        let counted = builds.clone();
        let client = OnFirstUse::new(move || {
            let counted = counted.clone();
            async move { counted.fetch_add(1, Ordering::SeqCst) + 100 }
        });
        let shared = client.clone();
        assert_eq!(
            builds.load(Ordering::SeqCst),
            0,
            "nothing built before a use"
        );
        assert_eq!(format!("{shared:?}"), "OnFirstUse { built: false }");
        let (a, b) = tokio::join!(client.get(), shared.get());
        assert_eq!((*a, *b), (100, 100));
        assert_eq!(*client.get().await, 100);
        assert_eq!(builds.load(Ordering::SeqCst), 1);
        assert_eq!(format!("{shared:?}"), "OnFirstUse { built: true }");
    }

    #[tokio::test]
    async fn a_ready_value_is_used_as_given() {
        let client = OnFirstUse::ready("moto");
        assert_eq!(format!("{client:?}"), "OnFirstUse { built: true }");
        assert_eq!(*client.get().await, "moto");
    }
}
