//! Many function processes behind one Runtime API, as Lambda scales a function out: a queue
//! of events handed to whichever process polls `/next` first, each answer timed from the
//! moment its event was handed out. Used to load our callback and the Node.js peer alike.

use crate::runtime_api::{ERROR, NEXT, RESPONSE, headers, serve_on_loopback};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// iDenfy delivers a webhook again after a non-2xx answer; this many times in all, here.
const MAX_DELIVERIES: u32 = 5;

#[derive(Clone)]
struct Delivery {
    id: String,
    event: String,
    attempt: u32,
}

#[derive(Default)]
struct Queue {
    waiting: VecDeque<Delivery>,
    handed_out: HashMap<String, (Instant, Delivery)>,
    redeliveries: usize,
    given_up: usize,
    first_handed_out: Option<Instant>,
    last_answer: Option<Instant>,
    latencies_ms: Vec<f64>,
    statuses: Vec<u16>,
    outstanding: usize,
}

#[derive(Clone)]
struct Shared {
    queue: Arc<Mutex<Queue>>,
    finished: Arc<Notify>,
    /// `/next` polls so far; the first event is handed out once every process has polled, so
    /// that start-up (150 ms per Node.js process) is not in the measured window.
    polls: Arc<AtomicUsize>,
    open: tokio::sync::watch::Receiver<bool>,
}

pub struct PoolRun {
    pub seconds: f64,
    /// Deliveries sent again after a non-2xx answer.
    pub redeliveries: usize,
    /// Deliveries still refused after MAX_DELIVERIES.
    pub given_up: usize,
    pub latencies_ms: Vec<f64>,
    pub statuses: Vec<u16>,
    /// Everything the processes wrote to stdout (their logs).
    pub stdout: String,
}

async fn next(State(mut shared): State<Shared>) -> impl IntoResponse {
    shared.polls.fetch_add(1, Ordering::SeqCst);
    if shared.open.wait_for(|open| *open).await.is_err() {
        return (StatusCode::GONE, HeaderMap::new(), String::new());
    }
    let handed = {
        let Ok(mut queue) = shared.queue.lock() else {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                HeaderMap::new(),
                String::new(),
            );
        };
        let item = queue.waiting.pop_front();
        if let Some(delivery) = &item {
            let now = Instant::now();
            queue.first_handed_out.get_or_insert(now);
            queue
                .handed_out
                .insert(delivery.id.clone(), (now, delivery.clone()));
        }
        item
    };
    match handed {
        Some(delivery) => (StatusCode::OK, headers(&delivery.id), delivery.event),
        None => {
            // Nothing left: this process idles until it is stopped.
            tokio::time::sleep(Duration::from_secs(3600)).await;
            (StatusCode::NO_CONTENT, HeaderMap::new(), String::new())
        }
    }
}

/// Records an answer; a non-2xx one is delivered again later, as iDenfy does.
fn answered(shared: &Shared, id: &str, status: u16) {
    if let Ok(mut queue) = shared.queue.lock() {
        let now = Instant::now();
        queue.statuses.push(status);
        queue.last_answer = Some(now);
        let Some((handed, mut delivery)) = queue.handed_out.remove(id) else {
            return;
        };
        queue
            .latencies_ms
            .push((now - handed).as_secs_f64() * 1000.0);
        if !(200..300).contains(&status) {
            if delivery.attempt < MAX_DELIVERIES {
                delivery.attempt += 1;
                queue.redeliveries += 1;
                queue.waiting.push_back(delivery);
                return;
            }
            queue.given_up += 1;
        }
        queue.outstanding = queue.outstanding.saturating_sub(1);
        if queue.outstanding == 0 {
            shared.finished.notify_waiters();
        }
    }
}

async fn response(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    body: String,
) -> StatusCode {
    let status = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["statusCode"].as_u64())
        .and_then(|s| u16::try_from(s).ok())
        .unwrap_or(0);
    answered(&shared, &id, status);
    StatusCode::ACCEPTED
}

async fn error(State(shared): State<Shared>, Path(id): Path<String>) -> StatusCode {
    answered(&shared, &id, 0);
    StatusCode::ACCEPTED
}

/// Runs `events` through `processes` copies of `command`; stops them all afterwards.
pub async fn run(
    command: &[PathBuf],
    env: &[(String, String)],
    events: Vec<String>,
    processes: usize,
    limit: Duration,
) -> Result<PoolRun, String> {
    let (open, opened) = tokio::sync::watch::channel(false);
    let shared = Shared {
        queue: Arc::default(),
        finished: Arc::default(),
        polls: Arc::default(),
        open: opened,
    };
    {
        let mut queue = shared.queue.lock().map_err(|_| "poisoned")?;
        queue.outstanding = events.len();
        queue.waiting = events
            .into_iter()
            .enumerate()
            .map(|(i, event)| Delivery {
                id: format!("req-{i:08}"),
                event,
                attempt: 1,
            })
            .collect();
    }
    let router = Router::new()
        .route(NEXT, get(next))
        .route(RESPONSE, post(response))
        .route(ERROR, post(error))
        .with_state(shared.clone());
    let (address, server) = serve_on_loopback(router).await.map_err(|e| e.to_string())?;

    let (program, arguments) = command.split_first().ok_or("no program")?;
    let logs = std::env::temp_dir().join(format!("idenfy-pair-bench-{}", fastrand::u64(..)));
    std::fs::create_dir_all(&logs).map_err(|e| e.to_string())?;
    let mut children: Vec<Child> = Vec::new();
    for i in 0..processes {
        let stdout =
            std::fs::File::create(logs.join(format!("{i}.log"))).map_err(|e| e.to_string())?;
        let child = Command::new(program)
            .args(arguments)
            .envs(env.iter().cloned())
            .env("AWS_LAMBDA_RUNTIME_API", &address)
            .stdout(stdout)
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("{}: {e}", program.display()))?;
        children.push(child);
    }

    let ready = tokio::time::timeout(Duration::from_secs(60), async {
        while shared.polls.load(Ordering::SeqCst) < processes {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .map_err(|_| "the processes did not all poll for an event within 60 s".to_owned());
    let _ = open.send(true);

    let finished = shared.finished.notified();
    tokio::pin!(finished);
    finished.as_mut().enable();
    let done = shared
        .queue
        .lock()
        .map(|q| q.outstanding == 0)
        .unwrap_or(true);
    let outcome = if let Err(error) = ready {
        Err(error)
    } else if done {
        Ok(())
    } else {
        tokio::time::timeout(limit, finished)
            .await
            .map_err(|_| "the pool did not finish in time".to_owned())
    };
    for child in &mut children {
        let _ = child.kill();
        let _ = child.wait();
    }
    server.abort();
    // A failed run keeps the processes' output, and says where.
    outcome.map_err(|e| format!("{e} (the processes' output: {})", logs.display()))?;

    let mut stdout = String::new();
    for i in 0..processes {
        stdout
            .push_str(&std::fs::read_to_string(logs.join(format!("{i}.log"))).unwrap_or_default());
    }
    let _ = std::fs::remove_dir_all(&logs);
    let queue = shared.queue.lock().map_err(|_| "poisoned")?;
    let seconds = match (queue.first_handed_out, queue.last_answer) {
        (Some(first), Some(last)) => (last - first).as_secs_f64(),
        _ => 0.0,
    };
    Ok(PoolRun {
        seconds,
        redeliveries: queue.redeliveries,
        given_up: queue.given_up,
        latencies_ms: queue.latencies_ms.clone(),
        statuses: queue.statuses.clone(),
        stdout,
    })
}
