// SPDX-License-Identifier: GPL-2.0
/* output.c: text and JSON printers shared by svcadm (and svcsyncd). */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "output.h"
#include "parse.h"

/* ---- addresses and ports ---- */

const char *svc_fmt_addr(uint16_t family, const union svc_inaddr *a,
			 char *buf, size_t len)
{
	if (!svc_addr_len(family) || !inet_ntop(family, a->b, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

/* getservbyport() reads /etc/services each time: cache per protocol. */
enum { PC_ANY, PC_TCP, PC_UDP, PC_SCTP, PC_N };
static char **port_cache[PC_N];
static const char none_name[] = "";

static const char *port_name(uint16_t port, uint8_t proto)
{
	int pc = proto == IPPROTO_TCP ? PC_TCP : proto == IPPROTO_UDP ? PC_UDP :
		 proto == IPPROTO_SCTP ? PC_SCTP : PC_ANY;
	const char *pname = pc == PC_ANY ? NULL : svc_protocol_name(proto);
	struct servent *se;
	char *name;

	if (!port_cache[pc]) {
		port_cache[pc] = calloc(65536, sizeof(char *));
		if (!port_cache[pc])
			return NULL;
	}
	if (port_cache[pc][port])
		return port_cache[pc][port] == none_name ? NULL : port_cache[pc][port];
	se = getservbyport(htons(port), pname);
	name = se && se->s_name ? strdup(se->s_name) : NULL;
	port_cache[pc][port] = name ? name : (char *)none_name;
	return name;
}

void svc_output_cleanup(void)
{
	for (int pc = 0; pc < PC_N; pc++) {
		if (!port_cache[pc])
			continue;
		for (size_t i = 0; i < 65536; i++)
			if (port_cache[pc][i] != none_name)
				free(port_cache[pc][i]);
		free(port_cache[pc]);
		port_cache[pc] = NULL;
	}
	endservent();
}

const char *svc_fmt_port(uint16_t port, uint8_t proto, bool numeric,
			 char *buf, size_t len)
{
	const char *name = numeric ? NULL : port_name(port, proto);

	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "%u", port);
	return buf;
}

const char *svc_fmt_addrport(uint16_t family, const union svc_inaddr *a,
			     uint16_t port, uint8_t proto, bool numeric,
			     char *buf, size_t len)
{
	char abuf[INET6_ADDRSTRLEN], pbuf[64];

	svc_fmt_addr(family, a, abuf, sizeof(abuf));
	svc_fmt_port(port, proto, numeric, pbuf, sizeof(pbuf));
	if (family == AF_INET6)
		snprintf(buf, len, "[%s]:%s", abuf, pbuf);
	else
		snprintf(buf, len, "%s:%s", abuf, pbuf);
	return buf;
}

const char *svc_fmt_cidr(const struct svc_cidr *c, char *buf, size_t len)
{
	char abuf[INET6_ADDRSTRLEN];

	snprintf(buf, len, "%s/%u", svc_fmt_addr(c->family, &c->addr, abuf, sizeof(abuf)),
		 c->prefixlen);
	return buf;
}

static const char *or_num(const char *name, unsigned v, char *buf, size_t len)
{
	if (name)
		return name;
	snprintf(buf, len, "%u", v);
	return buf;
}

/* ---- text ---- */

void svc_print_cidrs(FILE *f, const struct svc_cidrs *l, const char *empty_word)
{
	char buf[SVC_ADDRSTRLEN];

	if (!l->n) {
		fputs(empty_word, f);
		return;
	}
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			fputc(',', f);
		fputs(svc_fmt_cidr(&l->v[i], buf, sizeof(buf)), f);
	}
}

static void print_settings(FILE *f, const struct svc_service *s, bool present_only)
{
	const char *sep = "";
	char nb[16];

#define WORD(...) do { fputs(sep, f); fprintf(f, __VA_ARGS__); sep = " "; } while (0)
	if (s->has & SVC_SVC_HAS_PROTOCOL)
		WORD("proto %s", or_num(svc_protocol_name(s->protocol), s->protocol,
					nb, sizeof(nb)));
	if (!present_only || (s->has & SVC_SVC_HAS_SCHEDULER))
		WORD("scheduler %s", or_num(svc_scheduler_name(svc_service_scheduler(s)),
					    svc_service_scheduler(s), nb, sizeof(nb)));
	if (present_only ? (s->has & (SVC_SVC_HAS_AFFINITY | SVC_SVC_HAS_AFFINITY_TIMEOUT)) :
	    svc_service_affinity(s) != SVCVIP_AFFINITY_NONE) {
		if (!present_only || (s->has & SVC_SVC_HAS_AFFINITY))
			WORD("affinity %s", or_num(svc_affinity_name(svc_service_affinity(s)),
						   svc_service_affinity(s), nb, sizeof(nb)));
		if (!present_only || (s->has & SVC_SVC_HAS_AFFINITY_TIMEOUT))
			WORD("timeout %u", svc_service_affinity_timeout(s));
	}
	if (!present_only || (s->has & SVC_SVC_HAS_INTERNAL_POLICY))
		WORD("internal-policy %s",
		     or_num(svc_policy_name(svc_service_internal_policy(s)),
			    svc_service_internal_policy(s), nb, sizeof(nb)));
	if (!present_only || (s->has & SVC_SVC_HAS_EXTERNAL_POLICY))
		WORD("external-policy %s",
		     or_num(svc_policy_name(svc_service_external_policy(s)),
			    svc_service_external_policy(s), nb, sizeof(nb)));
#undef WORD
}

void svc_print_service_settings(FILE *f, const struct svc_service *s)
{
	print_settings(f, s, false);
}

void svc_print_frontend(FILE *f, const struct svc_frontend *fe, uint8_t proto,
			bool numeric)
{
	char buf[SVC_ADDRSTRLEN], nb[16];

	fputs(or_num(svc_kind_name(fe->kind), fe->kind, nb, sizeof(nb)), f);
	if (fe->kind == SVCVIP_FRONTEND_NODEPORT) {
		fprintf(f, " %s", svc_fmt_port(fe->port, proto, numeric, buf, sizeof(buf)));
		if (fe->family != AF_UNSPEC)
			fprintf(f, " family %s", or_num(svc_family_name(fe->family),
							fe->family, nb, sizeof(nb)));
		return;
	}
	fprintf(f, " %s", svc_fmt_addrport(fe->family, &fe->addr, fe->port, proto,
					   numeric, buf, sizeof(buf)));
	if (fe->source_ranges.n) {
		fputs(" source-ranges ", f);
		svc_print_cidrs(f, &fe->source_ranges, "");
	}
}

const char *svc_fmt_frontend(const struct svc_frontend *fe, char *buf, size_t len)
{
	FILE *f = fmemopen(buf, len, "w");

	if (!f)
		return snprintf(buf, len, "?"), buf;
	svc_print_frontend(f, fe, 0, true);
	fclose(f);
	return buf;
}

void svc_print_backend(FILE *f, const struct svc_backend *be, uint8_t proto,
		       bool numeric)
{
	char buf[SVC_ADDRSTRLEN];

	fputs(svc_fmt_addrport(be->family, &be->addr, be->port, proto, numeric,
			       buf, sizeof(buf)), f);
	if (be->has & SVC_BE_HAS_WEIGHT)
		fprintf(f, " weight %u", be->weight);
	if (be->has & SVC_BE_HAS_FLAGS) {
		if (be->flags & SVCVIP_BACKEND_F_LOCAL)
			fputs(" local", f);
		if (be->flags & SVCVIP_BACKEND_F_TERMINATING)
			fputs(" terminating", f);
	}
}

static void print_seed(FILE *f, const uint8_t *seed)
{
	for (size_t i = 0; i < SVC_HASH_SEED_LEN; i++)
		fprintf(f, "%02x", seed[i]);
}

static const struct svc_config_word cfg_words[] = {
	{ SVC_CFG_HAS_CLUSTER_CIDRS, "cluster-cidrs", "cluster_cidrs", "none" },
	{ SVC_CFG_HAS_MASQUERADE_ALL, "masquerade-all", "masquerade_all", NULL },
	{ SVC_CFG_HAS_NODEPORT_CIDRS, "nodeport-addresses", "nodeport_addresses", "all" },
	{ SVC_CFG_HAS_LOCAL_CIDRS, "local-cidrs", "local_cidrs", "none" },
	{ SVC_CFG_HAS_SERVICE_CIDRS, "service-cidrs", "service_cidrs", "none" },
	{ SVC_CFG_HAS_AFFINITY_MAX, "affinity-max", "affinity_max", NULL },
	{ SVC_CFG_HAS_MAX_SERVICES, "max-services", "max_services", NULL },
	{ SVC_CFG_HAS_MAX_FRONTENDS, "max-frontends", "max_frontends", NULL },
	{ SVC_CFG_HAS_MAX_BACKENDS, "max-backends", "max_backends", NULL },
	{ SVC_CFG_HAS_PACKET_STATS, "packet-stats", "packet_stats", NULL },
	{ SVC_CFG_HAS_HASH_SEED, "hash-seed", "hash_seed", NULL },
	{ SVC_CFG_HAS_MAGLEV_TABLE_SIZE, "maglev-table-size", "maglev_table_size", NULL },
};

const struct svc_config_word *svc_config_word(uint32_t bit)
{
	const struct svc_config_word *w = cfg_words;

	while (w->bit != bit)		/* every config field has its words */
		w++;
	return w;
}

/* "WORD VALUE" for each setting present, in svc_config_fields order; the
 * u8 settings are on/off switches. */
static void print_config(FILE *f, const struct svc_config *c, const char *between,
			 const char *end)
{
	const char *sep = "";

	for (const struct svc_field *fl = svc_config_fields;
	     fl < svc_config_fields + SVC_CONFIG_NFIELDS; fl++) {
		const void *p = (const char *)c + fl->off;
		const struct svc_config_word *w = svc_config_word(fl->bit);

		if (!(c->has & fl->bit))
			continue;
		fprintf(f, "%s%s ", sep, w->kw);
		if (fl->kind == SVC_FK_U8)
			fputs(*(const uint8_t *)p ? "on" : "off", f);
		else if (fl->kind == SVC_FK_U32)
			fprintf(f, "%u", *(const uint32_t *)p);
		else if (fl->kind == SVC_FK_SEED)
			print_seed(f, p);
		else
			svc_print_cidrs(f, p, w->empty);
		fputs(end, f);
		sep = between;
	}
}

void svc_print_config_settings(FILE *f, const struct svc_config *c)
{
	print_config(f, c, " ", "");
}

void svc_print_table(FILE *f, const struct svc_table *t, bool numeric)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct svc_service *s = &t->v[i];

		fprintf(f, "service %s ", s->name);
		svc_print_service_settings(f, s);
		fputc('\n', f);
		for (size_t j = 0; j < s->nfrontends; j++) {
			fputs("  frontend ", f);
			svc_print_frontend(f, &s->frontends[j], s->protocol, numeric);
			fputc('\n', f);
		}
		for (size_t j = 0; j < s->nbackends; j++) {
			fputs("  backend ", f);
			svc_print_backend(f, &s->backends[j], s->protocol, numeric);
			fputc('\n', f);
		}
	}
}

void svc_print_config(FILE *f, const struct svc_config *c)
{
	print_config(f, c, "", "\n");
}

#define STATS_FMT "%-40s %10s %10s %10s %12s %12s %8s %9s\n"
#define STATS_NUM "%-40s %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %12" PRIu64 \
		  " %12" PRIu64 " %8" PRIu64 " %9" PRIu64 "\n"

static void stats_row(FILE *f, const char *label, const struct svc_stats *st)
{
	fprintf(f, STATS_NUM, label, st->conns, st->pkts_in, st->pkts_out,
		st->bytes_in, st->bytes_out, st->active_conns, st->inactive_conns);
}

void svc_print_stats(FILE *f, const struct svc_table *t, bool numeric)
{
	fprintf(f, STATS_FMT, "Service", "Conns", "InPkts", "OutPkts", "InBytes",
		"OutBytes", "ActConn", "InActConn");
	fprintf(f, "  -> Backend\n");
	for (size_t i = 0; i < t->n; i++) {
		const struct svc_service *s = &t->v[i];

		stats_row(f, s->name, &s->stats);
		for (size_t j = 0; j < s->nbackends; j++) {
			const struct svc_backend *be = &s->backends[j];
			char ap[SVC_ADDRSTRLEN], label[SVC_ADDRSTRLEN + 8];

			svc_fmt_addrport(be->family, &be->addr, be->port,
					 s->has & SVC_SVC_HAS_PROTOCOL ? s->protocol : 0,
					 numeric, ap, sizeof(ap));
			snprintf(label, sizeof(label), "  -> %s", ap);
			stats_row(f, label, &be->stats);
		}
	}
}

void svc_print_lookup(FILE *f, const struct svc_lookup *l, bool numeric)
{
	char nb[16];

	fprintf(f, "verdict %s\n", or_num(svc_verdict_name(l->verdict), l->verdict,
					  nb, sizeof(nb)));
	fprintf(f, "reason %s\n", or_num(svc_reason_name(l->reason), l->reason,
					 nb, sizeof(nb)));
	if (l->has_service)
		fprintf(f, "service %s\n", l->service);
	if (l->has_frontend) {
		fputs("frontend ", f);
		svc_print_frontend(f, &l->frontend, l->protocol, numeric);
		fputc('\n', f);
	}
	if (l->has_backend) {
		fputs("backend ", f);
		svc_print_backend(f, &l->backend, l->protocol, numeric);
		fputc('\n', f);
	}
	fprintf(f, "masquerade %s\n", or_num(svc_masq_name(l->masquerade),
					     l->masquerade, nb, sizeof(nb)));
}

void svc_print_event(FILE *f, const struct svc_event *ev, bool numeric)
{
	const struct svc_service *s = &ev->service;
	uint8_t proto = (s->has & SVC_SVC_HAS_PROTOCOL) ? s->protocol : 0;
	const char *verb = NULL, *object = NULL;

	switch (ev->cmd) {
	case SVCVIP_CMD_NEW_SERVICE:
		object = "service";
		verb = "add";
		break;
	case SVCVIP_CMD_REPLACE_SERVICE:
		object = "service";
		verb = "replace";
		break;
	case SVCVIP_CMD_SET_SERVICE:
		object = "service";
		verb = "set";
		break;
	case SVCVIP_CMD_DEL_SERVICE:
		object = "service";
		verb = "del";
		break;
	case SVCVIP_CMD_NEW_FRONTEND:
		object = "frontend";
		verb = "add";
		break;
	case SVCVIP_CMD_DEL_FRONTEND:
		object = "frontend";
		verb = "del";
		break;
	case SVCVIP_CMD_NEW_BACKEND:
		object = "backend";
		verb = "add";
		break;
	case SVCVIP_CMD_SET_BACKEND:
		object = "backend";
		verb = "set";
		break;
	case SVCVIP_CMD_DEL_BACKEND:
		object = "backend";
		verb = "del";
		break;
	case SVCVIP_CMD_SET_CONFIG:
		fputs("config set", f);
		if (ev->has_config && ev->config.has) {
			fputc(' ', f);
			svc_print_config_settings(f, &ev->config);
		}
		fputc('\n', f);
		return;
	case SVCVIP_CMD_FLUSH:
		fputs("flush\n", f);
		return;
	default:
		fprintf(f, "event %u\n", ev->cmd);
		return;
	}
	fprintf(f, "%s %s %s", object, verb, ev->has_service ? s->name : "?");
	if (ev->cmd == SVCVIP_CMD_NEW_SERVICE || ev->cmd == SVCVIP_CMD_REPLACE_SERVICE ||
	    ev->cmd == SVCVIP_CMD_SET_SERVICE) {
		if (s->has & SVC_SVC_SETTINGS) {
			fputc(' ', f);
			print_settings(f, s, ev->cmd == SVCVIP_CMD_SET_SERVICE);
		}
	}
	if (ev->has_frontend) {
		fputc(' ', f);
		svc_print_frontend(f, &ev->frontend, proto, numeric);
	}
	if (ev->has_backend) {
		/* "backend del" takes the address only, as its command does */
		struct svc_backend be = ev->backend;
		if (ev->cmd == SVCVIP_CMD_DEL_BACKEND)
			be.has &= ~(SVC_BE_HAS_WEIGHT | SVC_BE_HAS_FLAGS);
		fputc(' ', f);
		svc_print_backend(f, &be, proto, numeric);
	}
	fputc('\n', f);
}

/* ---- JSON ---- */

static json_object *jstr_or_num(const char *name, unsigned v)
{
	return name ? json_object_new_string(name) : json_object_new_int64(v);
}

static json_object *json_addr(uint16_t family, const union svc_inaddr *a)
{
	char buf[INET6_ADDRSTRLEN];

	return json_object_new_string(svc_fmt_addr(family, a, buf, sizeof(buf)));
}

static json_object *json_cidrs(const struct svc_cidrs *l)
{
	json_object *arr = json_object_new_array();
	char buf[SVC_ADDRSTRLEN];

	for (size_t i = 0; i < l->n; i++)
		json_object_array_add(arr, json_object_new_string(
					       svc_fmt_cidr(&l->v[i], buf, sizeof(buf))));
	return arr;
}

static json_object *u64(uint64_t v)
{
	return json_object_new_uint64(v);
}

json_object *svc_json_stats(const struct svc_stats *st)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "conns", u64(st->conns));
	json_object_object_add(o, "pkts_in", u64(st->pkts_in));
	json_object_object_add(o, "pkts_out", u64(st->pkts_out));
	json_object_object_add(o, "bytes_in", u64(st->bytes_in));
	json_object_object_add(o, "bytes_out", u64(st->bytes_out));
	json_object_object_add(o, "active_conns", u64(st->active_conns));
	json_object_object_add(o, "inactive_conns", u64(st->inactive_conns));
	return o;
}

json_object *svc_json_frontend(const struct svc_frontend *fe)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "kind", jstr_or_num(svc_kind_name(fe->kind), fe->kind));
	json_object_object_add(o, "family", jstr_or_num(svc_family_name(fe->family),
							fe->family));
	if (fe->kind != SVCVIP_FRONTEND_NODEPORT)
		json_object_object_add(o, "addr", json_addr(fe->family, &fe->addr));
	json_object_object_add(o, "port", json_object_new_int(fe->port));
	if (fe->kind == SVCVIP_FRONTEND_LOADBALANCER || fe->source_ranges.n)
		json_object_object_add(o, "source_ranges", json_cidrs(&fe->source_ranges));
	return o;
}

json_object *svc_json_backend(const struct svc_backend *be)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "family", jstr_or_num(svc_family_name(be->family),
							be->family));
	json_object_object_add(o, "addr", json_addr(be->family, &be->addr));
	json_object_object_add(o, "port", json_object_new_int(be->port));
	if (be->has & SVC_BE_HAS_WEIGHT)
		json_object_object_add(o, "weight", json_object_new_int64(be->weight));
	if (be->has & SVC_BE_HAS_FLAGS) {
		json_object_object_add(o, "local", json_object_new_boolean(
					       !!(be->flags & SVCVIP_BACKEND_F_LOCAL)));
		json_object_object_add(o, "terminating", json_object_new_boolean(
					       !!(be->flags & SVCVIP_BACKEND_F_TERMINATING)));
	}
	if (be->has & SVC_BE_HAS_STATS)
		json_object_object_add(o, "stats", svc_json_stats(&be->stats));
	return o;
}

static json_object *service_json(const struct svc_service *s, bool settings)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(s->name));
	if (settings) {
		if (s->has & SVC_SVC_HAS_PROTOCOL)
			json_object_object_add(o, "proto", jstr_or_num(
						       svc_protocol_name(s->protocol), s->protocol));
		json_object_object_add(o, "scheduler", jstr_or_num(
					       svc_scheduler_name(svc_service_scheduler(s)),
					       svc_service_scheduler(s)));
		json_object_object_add(o, "affinity", jstr_or_num(
					       svc_affinity_name(svc_service_affinity(s)),
					       svc_service_affinity(s)));
		json_object_object_add(o, "affinity_timeout", json_object_new_int64(
					       svc_service_affinity_timeout(s)));
		json_object_object_add(o, "internal_policy", jstr_or_num(
					       svc_policy_name(svc_service_internal_policy(s)),
					       svc_service_internal_policy(s)));
		json_object_object_add(o, "external_policy", jstr_or_num(
					       svc_policy_name(svc_service_external_policy(s)),
					       svc_service_external_policy(s)));
	}
	if (s->has & SVC_SVC_HAS_STATS)
		json_object_object_add(o, "stats", svc_json_stats(&s->stats));
	if (settings || s->nfrontends) {
		json_object *arr = json_object_new_array();

		for (size_t i = 0; i < s->nfrontends; i++)
			json_object_array_add(arr, svc_json_frontend(&s->frontends[i]));
		json_object_object_add(o, "frontends", arr);
	}
	if (settings || s->nbackends || (s->has & SVC_SVC_HAS_STATS)) {
		json_object *arr = json_object_new_array();

		for (size_t i = 0; i < s->nbackends; i++)
			json_object_array_add(arr, svc_json_backend(&s->backends[i]));
		json_object_object_add(o, "backends", arr);
	}
	return o;
}

json_object *svc_json_service(const struct svc_service *s)
{
	return service_json(s, true);
}

json_object *svc_json_table(const struct svc_table *t)
{
	json_object *arr = json_object_new_array();

	for (size_t i = 0; i < t->n; i++)
		json_object_array_add(arr, svc_json_service(&t->v[i]));
	return arr;
}

json_object *svc_json_stats_table(const struct svc_table *t)
{
	json_object *arr = json_object_new_array();

	for (size_t i = 0; i < t->n; i++)
		json_object_array_add(arr, service_json(&t->v[i], false));
	return arr;
}

json_object *svc_json_config(const struct svc_config *c)
{
	json_object *o = json_object_new_object();

	for (const struct svc_field *fl = svc_config_fields;
	     fl < svc_config_fields + SVC_CONFIG_NFIELDS; fl++) {
		const void *p = (const char *)c + fl->off;
		char hex[2 * SVC_HASH_SEED_LEN + 1];
		json_object *v;

		if (!(c->has & fl->bit))
			continue;
		if (fl->kind == SVC_FK_U8) {
			v = json_object_new_boolean(*(const uint8_t *)p);
		} else if (fl->kind == SVC_FK_U32) {
			v = json_object_new_int64(*(const uint32_t *)p);
		} else if (fl->kind == SVC_FK_SEED) {
			for (size_t i = 0; i < SVC_HASH_SEED_LEN; i++)
				snprintf(hex + 2 * i, 3, "%02x", ((const uint8_t *)p)[i]);
			v = json_object_new_string(hex);
		} else {
			v = json_cidrs(p);
		}
		json_object_object_add(o, svc_config_word(fl->bit)->json, v);
	}
	return o;
}

json_object *svc_json_info(const struct svc_info *info)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "module", json_object_new_string(info->version));
	json_object_object_add(o, "abi", json_object_new_int64(info->abi_version));
	json_object_object_add(o, "services", json_object_new_int64(info->services));
	json_object_object_add(o, "frontends", json_object_new_int64(info->frontends));
	json_object_object_add(o, "backends", json_object_new_int64(info->backends));
	if (info->has_generation)
		json_object_object_add(o, "generation",
				       json_object_new_uint64(info->generation));
	if (info->has_rebuilding)
		json_object_object_add(o, "rebuilding",
				       json_object_new_int64(info->rebuilding));
	return o;
}

json_object *svc_json_lookup(const struct svc_lookup *l)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "verdict", jstr_or_num(svc_verdict_name(l->verdict),
							 l->verdict));
	json_object_object_add(o, "reason", jstr_or_num(svc_reason_name(l->reason),
							l->reason));
	json_object_object_add(o, "service", l->has_service ?
			       json_object_new_string(l->service) : NULL);
	json_object_object_add(o, "frontend", l->has_frontend ?
			       svc_json_frontend(&l->frontend) : NULL);
	json_object_object_add(o, "backend", l->has_backend ?
			       svc_json_backend(&l->backend) : NULL);
	json_object_object_add(o, "masquerade", jstr_or_num(svc_masq_name(l->masquerade),
							    l->masquerade));
	return o;
}

json_object *svc_json_event(const struct svc_event *ev)
{
	static const struct { uint8_t cmd; const char *object, *action; } map[] = {
		{ SVCVIP_CMD_NEW_SERVICE, "service", "add" },
		{ SVCVIP_CMD_REPLACE_SERVICE, "service", "replace" },
		{ SVCVIP_CMD_SET_SERVICE, "service", "set" },
		{ SVCVIP_CMD_DEL_SERVICE, "service", "del" },
		{ SVCVIP_CMD_NEW_FRONTEND, "frontend", "add" },
		{ SVCVIP_CMD_DEL_FRONTEND, "frontend", "del" },
		{ SVCVIP_CMD_NEW_BACKEND, "backend", "add" },
		{ SVCVIP_CMD_SET_BACKEND, "backend", "set" },
		{ SVCVIP_CMD_DEL_BACKEND, "backend", "del" },
		{ SVCVIP_CMD_SET_CONFIG, "config", "set" },
		{ SVCVIP_CMD_FLUSH, "flush", "flush" },
	};
	json_object *o = json_object_new_object();
	const char *object = "unknown", *action = "unknown";

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (map[i].cmd == ev->cmd) {
			object = map[i].object;
			action = map[i].action;
		}
	}
	json_object_object_add(o, "object", json_object_new_string(object));
	json_object_object_add(o, "action", json_object_new_string(action));
	if (!strcmp(object, "unknown"))
		json_object_object_add(o, "cmd", json_object_new_int(ev->cmd));
	if (ev->has_service) {
		json_object *so = json_object_new_object();
		const struct svc_service *s = &ev->service;

		json_object_object_add(so, "name", json_object_new_string(s->name));
		if (s->has & SVC_SVC_HAS_PROTOCOL)
			json_object_object_add(so, "proto", jstr_or_num(
						       svc_protocol_name(s->protocol), s->protocol));
		if (s->has & SVC_SVC_HAS_SCHEDULER)
			json_object_object_add(so, "scheduler", jstr_or_num(
						       svc_scheduler_name(s->scheduler), s->scheduler));
		if (s->has & SVC_SVC_HAS_AFFINITY)
			json_object_object_add(so, "affinity", jstr_or_num(
						       svc_affinity_name(s->affinity), s->affinity));
		if (s->has & SVC_SVC_HAS_AFFINITY_TIMEOUT)
			json_object_object_add(so, "affinity_timeout",
					       json_object_new_int64(s->affinity_timeout));
		if (s->has & SVC_SVC_HAS_INTERNAL_POLICY)
			json_object_object_add(so, "internal_policy", jstr_or_num(
						       svc_policy_name(s->internal_policy),
						       s->internal_policy));
		if (s->has & SVC_SVC_HAS_EXTERNAL_POLICY)
			json_object_object_add(so, "external_policy", jstr_or_num(
						       svc_policy_name(s->external_policy),
						       s->external_policy));
		json_object_object_add(o, "service", so);
	}
	if (ev->has_frontend)
		json_object_object_add(o, "frontend", svc_json_frontend(&ev->frontend));
	if (ev->has_backend)
		json_object_object_add(o, "backend", svc_json_backend(&ev->backend));
	if (ev->has_config)
		json_object_object_add(o, "config", svc_json_config(&ev->config));
	return o;
}

void svc_json_print(FILE *f, json_object *o)
{
	fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
					     JSON_C_TO_STRING_NOSLASHESCAPE), f);
	fputc('\n', f);
	json_object_put(o);
}
