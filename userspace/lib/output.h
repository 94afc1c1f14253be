/* SPDX-License-Identifier: GPL-2.0 */
/*
 * output.h: text and JSON (json-c) forms of the model.
 *
 * Text uses the words of the svcadm grammar, so what is printed can be
 * typed back: "clusterip 10.96.0.10:80", "[2001:db8::1]:443 weight 2 local".
 * Unless numeric, ports print as /etc/services names where one exists for
 * the protocol (getservbyport; never DNS). JSON is always numeric.
 */
#ifndef SVCVIP_OUTPUT_H
#define SVCVIP_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>
#include <json-c/json.h>

#include "model.h"
#include "msg.h"

#define SVC_ADDRSTRLEN 64	/* "[v6]:port" and "v6/len" fit */

const char *svc_fmt_addr(uint16_t family, const union svc_inaddr *a,
			 char *buf, size_t len);
/* proto 0: a name of any protocol */
const char *svc_fmt_port(uint16_t port, uint8_t proto, bool numeric,
			 char *buf, size_t len);
const char *svc_fmt_addrport(uint16_t family, const union svc_inaddr *a,
			     uint16_t port, uint8_t proto, bool numeric,
			     char *buf, size_t len);
const char *svc_fmt_cidr(const struct svc_cidr *c, char *buf, size_t len);
/* svc_print_frontend() numeric, any protocol, into buf ("?" if it fails) */
const char *svc_fmt_frontend(const struct svc_frontend *fe, char *buf, size_t len);
/* Frees the port-name cache (for leak checkers). */
void svc_output_cleanup(void);

/* "a,b,c", or empty_word when the list is empty */
void svc_print_cidrs(FILE *f, const struct svc_cidrs *l, const char *empty_word);
/* "proto tcp scheduler maglev [affinity clientip timeout N] internal-policy
 * cluster external-policy cluster" (effective values; proto only if known) */
void svc_print_service_settings(FILE *f, const struct svc_service *s);
/* "clusterip 10.96.0.10:80", "loadbalancer 192.0.2.1:80 source-ranges
 * 203.0.113.0/24", "nodeport 30080", "nodeport 30080 family ipv4" */
void svc_print_frontend(FILE *f, const struct svc_frontend *fe, uint8_t proto,
			bool numeric);
/* "10.244.1.2:8080 weight 1 local terminating" */
void svc_print_backend(FILE *f, const struct svc_backend *be, uint8_t proto,
		       bool numeric);
/* The words of a config field: config-set keyword, JSON key, empty list (lists). */
struct svc_config_word {
	uint32_t bit;			/* SVC_CFG_HAS_* */
	const char *kw, *json, *empty;
};
const struct svc_config_word *svc_config_word(uint32_t bit);
/* The settings present in c, space-separated, in config-set grammar. */
void svc_print_config_settings(FILE *f, const struct svc_config *c);

/* service show: one "service NAME SETTINGS" line, then "  frontend ..."
 * and "  backend ..." lines. The table should be sorted first. */
void svc_print_table(FILE *f, const struct svc_table *t, bool numeric);
/* config show: one "WORD VALUE" line per attribute present. */
void svc_print_config(FILE *f, const struct svc_config *c);
/* stats: a table like ipvsadm --stats plus active/inactive connections */
void svc_print_stats(FILE *f, const struct svc_table *t, bool numeric);
/* lookup: "verdict V", "reason R", ["service NAME"], ["frontend ..."],
 * ["backend ..."], "masquerade M", one per line */
void svc_print_lookup(FILE *f, const struct svc_lookup *l, bool numeric);
/* monitor: one line in svcadm grammar, e.g. "backend add web 10.0.0.1:80 weight 1" */
void svc_print_event(FILE *f, const struct svc_event *ev, bool numeric);

/* JSON objects (caller owns the result; json_object_put() it) */
json_object *svc_json_stats(const struct svc_stats *st);
json_object *svc_json_frontend(const struct svc_frontend *fe);
json_object *svc_json_backend(const struct svc_backend *be);
json_object *svc_json_service(const struct svc_service *s);
json_object *svc_json_table(const struct svc_table *t);
json_object *svc_json_stats_table(const struct svc_table *t);
json_object *svc_json_config(const struct svc_config *c);
json_object *svc_json_info(const struct svc_info *info);
json_object *svc_json_lookup(const struct svc_lookup *l);
json_object *svc_json_event(const struct svc_event *ev);
/* Prints o on one line (slashes unescaped) and drops the reference. */
void svc_json_print(FILE *f, json_object *o);

#endif
