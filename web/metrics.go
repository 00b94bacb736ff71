package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the portal's Prometheus series. Labels hold route patterns
// and outcome codes only, never a value a person typed.
type Metrics struct {
	registry      *prometheus.Registry
	requests      *prometheus.CounterVec
	latency       *prometheus.HistogramVec
	verifications *prometheus.CounterVec
	handoffs      *prometheus.CounterVec
}

// NewMetrics registers the series, and queueDepth as a gauge read on
// every scrape.
func NewMetrics(queueDepth func() float64) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "portal_http_requests_total",
			Help: "HTTP requests by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "portal_http_request_duration_seconds",
			Help:    "HTTP request latency by route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 25},
		}, []string{"route"}),
		verifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "portal_verifications_total",
			Help: "Verification attempts by outcome.",
		}, []string{"outcome"}),
		handoffs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "portal_handoffs_total",
			Help: "Handoff steps by outcome (connected, retry, failed).",
		}, []string{"outcome"}),
	}
	m.registry.MustRegister(m.requests, m.latency, m.verifications, m.handoffs,
		collectors.NewGoCollector(), collectors.NewProcessCollector(
			collectors.ProcessCollectorOpts{}))
	if queueDepth != nil {
		m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "portal_handoff_queue_depth",
			Help: "Handoff jobs waiting or in progress.",
		}, queueDepth))
	}
	return m
}

func (m *Metrics) observeRequest(route, method string, status int, d time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(route, methodLabel(method), strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route).Observe(d.Seconds())
}

// VerificationOutcome counts one verification.
func (m *Metrics) VerificationOutcome(outcome string) {
	m.verifications.WithLabelValues(outcome).Inc()
}

// HandoffOutcome counts one handoff step.
func (m *Metrics) HandoffOutcome(outcome string) {
	m.handoffs.WithLabelValues(outcome).Inc()
}

// Handler serves the series in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// methodLabel keeps the method label to a fixed set: a client may send
// any token as its method, and each new label value would be a new
// series kept for the life of the process.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
		http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return method
	}
	return "other"
}
