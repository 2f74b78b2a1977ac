//! `GET /metrics`: counters and a latency histogram in the Prometheus text exposition format
//! (OpenMetrics 1.0, which Prometheus scrapes natively), through the Prometheus project's own
//! `prometheus-client` crate.
//!
//! What is counted: requests by route, method and status; request latency by route; reports by
//! verdict; checks that ended inconclusive, by check; and, read from the shared DNS layer at
//! scrape time, queries sent and questions answered from the cache. Labels hold route
//! templates (`/v1/findings/{id}`), never a request's own path or query, so no address reaches
//! a metric and the label sets stay bounded.

use std::fmt::Write as _;
use std::sync::Arc;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::SharedDiagnoser;

/// The content type of the OpenMetrics text format.
pub(crate) const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct VerdictLabels {
    verdict: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CheckLabels {
    check: String,
}

type LatencyFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 0.5 ms to ~16 s: a warm-cache diagnosis takes well under a millisecond, a cold one with a
    // slow resolver seconds.
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

/// The server's metrics; one per router.
pub(crate) struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: LatencyFamily,
    reports: Family<VerdictLabels, Counter>,
    inconclusive: Family<CheckLabels, Counter>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    pub(crate) fn new(diagnoser: SharedDiagnoser) -> Metrics {
        let mut registry = Registry::with_prefix("mailwhy");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route template, method and status",
            requests.clone(),
        );
        let latency = LatencyFamily::new_with_constructor(latency_histogram);
        registry.register(
            "http_request_duration_seconds",
            "Time from receiving a request to its response, by route template",
            latency.clone(),
        );
        let reports = Family::<VerdictLabels, Counter>::default();
        registry.register("reports", "Reports returned, by verdict", reports.clone());
        let inconclusive = Family::<CheckLabels, Counter>::default();
        registry.register(
            "checks_inconclusive",
            "Checks that could not finish (DNS failure, timeout ...), by check",
            inconclusive.clone(),
        );
        registry.register_collector(Box::new(DnsCollector(diagnoser)));
        Metrics {
            registry,
            requests,
            latency,
            reports,
            inconclusive,
        }
    }

    /// Counts one answered request.
    pub(crate) fn request(&self, route: &str, method: &'static str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels {
                route: route.to_string(),
                method: method.to_string(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                route: route.to_string(),
            })
            .observe(seconds);
    }

    /// Counts a report's verdict and its inconclusive checks.
    pub(crate) fn report(&self, report: &mailwhy::report::Report) {
        self.reports
            .get_or_create(&VerdictLabels {
                verdict: report.verdict.as_str(),
            })
            .inc();
        for c in report
            .checks
            .iter()
            .filter(|c| c.status == mailwhy::check::CheckStatus::Inconclusive)
        {
            self.inconclusive
                .get_or_create(&CheckLabels {
                    check: c.name.clone(),
                })
                .inc();
        }
    }

    /// The text exposition.
    pub(crate) fn encode(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail; an encoder error would be a bug in a label.
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
            let _ = writeln!(out, "# EOF");
        }
        out
    }
}

/// The DNS layer's counters, read when scraped. A reload starts a new DNS layer; the shared
/// diagnoser keeps the retired layers' totals so the counters never go down.
#[derive(Debug)]
struct DnsCollector(SharedDiagnoser);

impl Collector for DnsCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let (sent, hits) = self.0.dns_totals();
        for (name, help, value) in [
            (
                "dns_queries_sent",
                "DNS queries sent upstream (questions that missed the cache)",
                sent,
            ),
            (
                "dns_cache_hits",
                "DNS questions answered from the shared cache or joined to a query in flight",
                hits,
            ),
        ] {
            let c = ConstCounter::new(value);
            let m = encoder.encode_descriptor(name, help, None, c.metric_type())?;
            c.encode(m)?;
        }
        Ok(())
    }
}

/// The method's label: one of the standard methods, or `other` for any method a client made up,
/// so a client cannot grow the label set (and the server's memory) without bound.
pub(crate) fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        Method::TRACE => "TRACE",
        Method::CONNECT => "CONNECT",
        _ => "other",
    }
}

/// Shared by the router's layers and handlers.
pub(crate) type SharedMetrics = Arc<Metrics>;
