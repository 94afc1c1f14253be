/* SPDX-License-Identifier: GPL-2.0 */
/*
 * health: kube-proxy's ProxyHealthServer state (pkg/proxy/healthcheck/proxy_health.go)
 * as pure logic, and the bodies of /healthz, /livez and of a service's
 * healthCheckNodePort. No sockets here; times are passed in (CLOCK_REALTIME).
 * Thread-safe: one mutex inside, held only while reading or writing the state.
 */
#ifndef SVCSYNCD_HEALTH_H
#define SVCSYNCD_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct health;

/* New state; timeout_ns is kube-proxy's healthTimeout (2 x syncPeriod). NULL on ENOMEM. */
struct health *health_new(int64_t timeout_ns);
/* Frees the state (NULL is fine). */
void health_free(struct health *h);
/* An update for family (AF_INET/AF_INET6) was queued at now; keeps the oldest one. -EAFNOSUPPORT */
int health_queued(struct health *h, int family, struct timespec now);
/* family's table was programmed at now: clears its queued update. -EAFNOSUPPORT */
int health_updated(struct health *h, int family, struct timespec now);
/* The Node: eligible iff known, not being deleted, not tainted ToBeDeletedByClusterAutoscaler. */
void health_set_node(struct health *h, bool known, bool deleting, bool tainted_to_be_deleted);
/* kube-proxy's Health().Healthy: no queued update older than the timeout (node ignored). */
bool health_proxy_healthy(struct health *h, struct timespec now);
/*
 * The /healthz (healthz=true) or /livez response at now: JSON written to buf (NUL-terminated,
 * kube-proxy's bytes); returns the HTTP code (200 or 503), or -ENOSPC if buf is too small.
 */
int health_response(struct health *h, bool healthz, struct timespec now, char *buf, size_t size);
/*
 * A healthCheckNodePort body for service ns/name with n ready local endpoints, as kube-proxy's
 * hcHandler writes it; returns the HTTP code (200 iff n > 0 and proxy_healthy, else 503)
 * or -ENOSPC.
 */
int health_hc_body(const char *ns, const char *name, uint32_t n, bool proxy_healthy, char *buf,
		   size_t size);
/* Go's time.Time JSON text of ts in UTC (RFC 3339, trailing zeros of the fraction dropped). */
int health_format_time(struct timespec ts, bool zero, char *buf, size_t size);

#endif
