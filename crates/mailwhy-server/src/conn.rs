//! The accept loop behind [`crate::serve_with`]: HTTP/1 connections with a header-read timeout,
//! an idle keep-alive timeout and a bounded graceful shutdown.
//!
//! `axum::serve` has none of the three, so a client sending one header line a second held a
//! connection for ever, and one partial request kept a stopping server alive for ever. hyper's
//! own `header_read_timeout` cannot tell the two waits apart (its clock also runs while a
//! kept-alive connection waits for its next request), so both timeouts are kept here, on the
//! socket: each connection's reads know whether a request is being handled (no limit: the
//! request deadline of the router covers it), a request head has begun (the header timeout,
//! from its first byte; a new connection counts from its accept), or the connection is idle
//! between requests (the idle timeout). A read past its limit fails, and hyper closes the
//! connection.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio::time::{Instant, Sleep};
use tower::ServiceExt;

/// The three limits of a connection's life (from [`crate::Options`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timeouts {
    pub header_read: Duration,
    pub idle: Duration,
    pub shutdown_grace: Duration,
}

/// Where a connection is: what its next read may wait for.
#[derive(Debug)]
struct Phase {
    /// Requests being handled (more than one only with pipelining).
    busy: usize,
    /// When the request head now being read began (None: idle, no byte of it yet).
    head_started: Option<Instant>,
    /// When the last response was handed over.
    idle_since: Instant,
    /// The task of a read that waited without a limit while a request was handled: woken when
    /// the request is done, so the read starts its clock (hyper does not read again by itself
    /// until the socket has something).
    reader: Option<Waker>,
}

type SharedPhase = Arc<Mutex<Phase>>;

fn lock(p: &SharedPhase) -> std::sync::MutexGuard<'_, Phase> {
    // A poisoned lock only means a panic elsewhere while holding plain numbers.
    p.lock().unwrap_or_else(|e| e.into_inner())
}

/// A socket whose reads fail once the connection's current wait is over.
struct Guarded {
    inner: TcpStream,
    phase: SharedPhase,
    limits: Timeouts,
    sleep: Pin<Box<Sleep>>,
    armed: Option<Instant>,
}

impl AsyncRead for Guarded {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    let mut p = lock(&this.phase);
                    if p.busy == 0 && p.head_started.is_none() {
                        p.head_started = Some(Instant::now());
                    }
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                let limit = {
                    let mut p = lock(&this.phase);
                    match (p.busy, p.head_started) {
                        (0, Some(t)) => Some((t + this.limits.header_read, "request header")),
                        (0, None) => Some((p.idle_since + this.limits.idle, "idle keep-alive")),
                        _ => {
                            p.reader = Some(cx.waker().clone());
                            None
                        }
                    }
                };
                let Some((deadline, what)) = limit else {
                    return Poll::Pending;
                };
                if this.armed != Some(deadline) {
                    this.sleep.as_mut().reset(deadline);
                    this.armed = Some(deadline);
                }
                match this.sleep.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!("{what} timeout"),
                    ))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

impl AsyncWrite for Guarded {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// Marks a request as being handled while it lives (a request whose future is dropped is done
/// too).
struct Busy(SharedPhase);

impl Busy {
    fn start(phase: &SharedPhase) -> Busy {
        let mut p = lock(phase);
        p.busy += 1;
        p.head_started = None;
        Busy(phase.clone())
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        let reader = {
            let mut p = lock(&self.0);
            p.busy = p.busy.saturating_sub(1);
            p.idle_since = Instant::now();
            p.reader.take()
        };
        if let Some(w) = reader {
            w.wake();
        }
    }
}

/// Serves `router` on `listener` until `shutdown`; then stops accepting, lets requests in
/// flight finish and closes idle connections, and after `shutdown_grace` drops whatever is
/// left.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Timeouts,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut conns = JoinSet::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    // The timeouts are ours (see the module's note); hyper's would also cut idle connections.
    builder.header_read_timeout(None);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            // Finished connections are reaped as they go, so the set holds live ones only.
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((s, _)) => s,
                    // Out of descriptors, a connection reset before it was taken ...: the
                    // listener is still good; a short pause keeps a persistent error from
                    // spinning.
                    Err(e) => {
                        tracing::warn!(target: "mailwhy_server::conn", error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                conns.spawn(connection(
                    stream,
                    router.clone(),
                    builder.clone(),
                    limits,
                    stop_rx.clone(),
                ));
            }
        }
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let drained = tokio::time::timeout(limits.shutdown_grace, async {
        while conns.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            target: "mailwhy_server::conn",
            open = conns.len(),
            "shutdown grace period over: closing the connections still open"
        );
        conns.shutdown().await;
    }
    Ok(())
}

async fn connection(
    stream: TcpStream,
    router: Router,
    builder: hyper::server::conn::http1::Builder,
    limits: Timeouts,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let now = Instant::now();
    // A new connection is there to send a request: its wait is a header wait from the start.
    let phase = Arc::new(Mutex::new(Phase {
        busy: 0,
        head_started: Some(now),
        idle_since: now,
        reader: None,
    }));
    let io = Guarded {
        inner: stream,
        phase: phase.clone(),
        limits,
        sleep: Box::pin(tokio::time::sleep_until(now)),
        armed: None,
    };
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let busy = Busy::start(&phase);
        let router = router.clone();
        async move {
            let resp = router.oneshot(req.map(axum::body::Body::new)).await;
            drop(busy);
            resp
        }
    });
    let conn = builder.serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => return,
        _ = stop.wait_for(|s| *s) => {}
    }
    conn.as_mut().graceful_shutdown();
    let _ = conn.await;
}
