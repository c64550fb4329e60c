//! Capturing what a test's own thread logs. One global subscriber is installed per test
//! process, and it only formats events of threads that are capturing: scoped subscribers
//! (`set_default`) share tracing's global callsite cache with every other test thread and lose
//! events when tests run in parallel. The filter is dynamic (checked per event, never cached
//! per callsite) for the same reason.

use std::cell::RefCell;
use std::io::Write;
use std::sync::{Arc, Mutex, Once};
use tracing::Level;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::{FilterExt, LevelFilter, dynamic_filter_fn};
use tracing_subscriber::layer::SubscriberExt;

type Buffer = Arc<Mutex<Vec<u8>>>;

thread_local! {
    static CAPTURING: RefCell<Option<(Level, Buffer)>> = const { RefCell::new(None) };
}

struct ThreadWriter;

impl Write for ThreadWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        CAPTURING.with(|capturing| {
            if let Some((_, buffer)) = capturing.borrow().as_ref() {
                buffer
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .extend_from_slice(bytes);
            }
        });
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn install() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let layer = tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(|| ThreadWriter)
            // The functions' own filter, as permissive as an operator can make it (TRACE),
            // and then only the events of capturing threads, up to the level they asked for.
            .with_filter(pair_adapters::logging::filter(LevelFilter::TRACE).and(
                dynamic_filter_fn(|metadata, _context| {
                    CAPTURING.with(|capturing| {
                        capturing
                            .borrow()
                            .as_ref()
                            .is_some_and(|(level, _)| metadata.level() <= level)
                    })
                }),
            ));
        tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))
            .expect("no other global subscriber in the test binary");
    });
}

/// Captures this thread's events up to `level` until dropped.
pub struct Capture(Buffer);

impl Capture {
    pub fn start(level: Level) -> Self {
        install();
        let buffer = Buffer::default();
        CAPTURING.with(|capturing| *capturing.borrow_mut() = Some((level, buffer.clone())));
        Self(buffer)
    }

    pub fn text(&self) -> String {
        let bytes = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        CAPTURING.with(|capturing| *capturing.borrow_mut() = None);
    }
}
