/* SPDX-License-Identifier: GPL-2.0 */
/*
 * metrics: a small Prometheus registry (counters, gauges, histograms, with label values)
 * written in the text exposition format 0.0.4 exactly as client_golang writes it, and the
 * metric set svcsyncd exports (kube-proxy's names, types, help, labels and buckets, plus
 * svcsyncd's own). Thread-safe: one mutex per registry, held only inside each call; any
 * thread may update, the HTTP thread calls metrics_expose().
 */
#ifndef SVCSYNCD_METRICS_H
#define SVCSYNCD_METRICS_H

#include <stddef.h>

struct metrics;
struct metric;

/* An empty registry; NULL on ENOMEM. */
struct metrics *metrics_new(void);
/* Frees the registry and every metric in it (NULL is fine). */
void metrics_free(struct metrics *r);
/* Declares a counter family with nlabels label names; NULL (errno EINVAL/EEXIST/ENOMEM). */
struct metric *metrics_counter(struct metrics *r, const char *name, const char *help,
			       const char *const *labels, size_t nlabels);
/* Declares a gauge family; as metrics_counter. */
struct metric *metrics_gauge(struct metrics *r, const char *name, const char *help,
			     const char *const *labels, size_t nlabels);
/* Declares a histogram family with strictly increasing upper bounds (no +Inf; it is implied). */
struct metric *metrics_histogram(struct metrics *r, const char *name, const char *help,
				 const char *const *labels, size_t nlabels,
				 const double *buckets, size_t nbuckets);
/* Counter: adds v >= 0; gauge: adds any v. values[] has one value per label. 0 or -errno. */
int metric_add(struct metric *m, const char *const *values, double v);
/* Gauge: sets v. 0 or -errno (-EINVAL on another type). */
int metric_set(struct metric *m, const char *const *values, double v);
/* Histogram: records one observation v. 0 or -errno. */
int metric_observe(struct metric *m, const char *const *values, double v);
/* Reads a counter's or gauge's value, a histogram's count; -ENOENT if never touched. */
int metric_get(struct metric *m, const char *const *values, double *v);
/* The whole registry as exposition text (malloc'd, NUL-terminated; caller frees). 0 or -ENOMEM. */
int metrics_expose(struct metrics *r, char **text, size_t *len);
/* Go's strconv.FormatFloat(v, 'g', -1, 64) as expfmt writes it (+Inf, -Inf, NaN). buf >= 32. */
void metrics_format_float(double v, char *buf, size_t size);

/* Content-Type of metrics_expose()'s text */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* The metrics svcsyncd exports; label values are plain strings (e.g. "IPv4", "200"). */
struct svcsyncd_metrics {
	struct metrics *reg;
	/* kube-proxy's (pkg/proxy/metrics), labels in braces */
	struct metric *sync_duration;		/* histogram {ip_family} */
	struct metric *sync_full_duration;	/* histogram {ip_family} */
	struct metric *sync_partial_duration;	/* histogram {ip_family} */
	struct metric *network_programming;	/* histogram {ip_family} */
	struct metric *last_timestamp;		/* gauge {ip_family}, Unix seconds */
	struct metric *last_queued_timestamp;	/* gauge {ip_family}, Unix seconds */
	struct metric *no_local_endpoints;	/* gauge {ip_family, traffic_policy} */
	struct metric *endpoint_changes_total;	/* counter */
	struct metric *endpoint_changes_pending; /* gauge */
	struct metric *service_changes_total;	/* counter */
	struct metric *service_changes_pending;	/* gauge */
	struct metric *healthz_total;		/* counter {code}, counted by httpserver */
	struct metric *livez_total;		/* counter {code}, counted by httpserver */
	/* svcsyncd's own */
	struct metric *event_to_kernel;		/* histogram, ms buckets 0.0005..10 s */
	struct metric *kernel_requests;		/* counter {op} */
	struct metric *watch_events;		/* counter {resource, type} */
	struct metric *relists;			/* counter {resource} */
	/* client_golang's process collector, refreshed by svcsyncd_metrics_collect() */
	struct metric *proc_cpu, *proc_open_fds, *proc_max_fds, *proc_vmem, *proc_vmem_max;
	struct metric *proc_rss, *proc_start;
};

/* Creates the registry and declares every metric above. 0 or -ENOMEM (m left zeroed). */
int svcsyncd_metrics_init(struct svcsyncd_metrics *m);
/* Reads /proc/self into the process_* metrics (the HTTP thread calls it before /metrics). */
void svcsyncd_metrics_collect(struct svcsyncd_metrics *m);
/* Frees the registry (m zeroed). */
void svcsyncd_metrics_free(struct svcsyncd_metrics *m);

#endif
