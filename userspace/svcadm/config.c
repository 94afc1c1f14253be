// SPDX-License-Identifier: GPL-2.0
/* config.c: svcadm config set|show */
#include <string.h>

#include "svcadm.h"

enum { V_SET, V_SHOW, V_HELP };	/* the man page's order */
static const char *const verbs[] = { "set", "show", "help", NULL };

static const struct {
	const char *kw;
	uint32_t bit;
	const char *empty;	/* word for the empty list */
} lists[] = {
	{ "cluster-cidrs", SVC_CFG_HAS_CLUSTER_CIDRS, "none" },
	{ "nodeport-addresses", SVC_CFG_HAS_NODEPORT_CIDRS, "all" },
	{ "local-cidrs", SVC_CFG_HAS_LOCAL_CIDRS, "none" },
	{ "service-cidrs", SVC_CFG_HAS_SERVICE_CIDRS, "none" },
};

static const struct {
	const char *kw;
	uint32_t bit;
	size_t offset;
} limits[] = {
	{ "affinity-max", SVC_CFG_HAS_AFFINITY_MAX, offsetof(struct svc_config, affinity_max) },
	{ "max-services", SVC_CFG_HAS_MAX_SERVICES, offsetof(struct svc_config, max_services) },
	{ "max-frontends", SVC_CFG_HAS_MAX_FRONTENDS,
	  offsetof(struct svc_config, max_frontends) },
	{ "max-backends", SVC_CFG_HAS_MAX_BACKENDS, offsetof(struct svc_config, max_backends) },
	{ "maglev-table-size", SVC_CFG_HAS_MAGLEV_TABLE_SIZE,
	  offsetof(struct svc_config, maglev_table_size) },
};

/* 32 hex digits (an optional 0x first): the 16 bytes of a siphash key */
static int parse_seed(const char *s, uint8_t *seed)
{
	if (!strncmp(s, "0x", 2) || !strncmp(s, "0X", 2))
		s += 2;
	if (strlen(s) != 2 * SVC_HASH_SEED_LEN)
		return -1;
	for (size_t i = 0; i < SVC_HASH_SEED_LEN; i++) {
		unsigned v = 0;

		for (int k = 0; k < 2; k++) {
			char ch = s[2 * i + k];

			v <<= 4;
			if (ch >= '0' && ch <= '9')
				v |= ch - '0';
			else if (ch >= 'a' && ch <= 'f')
				v |= ch - 'a' + 10;
			else if (ch >= 'A' && ch <= 'F')
				v |= ch - 'A' + 10;
			else
				return -1;
		}
		seed[i] = v;
	}
	return 0;
}

static struct svc_cidrs *list_of(struct svc_config *c, uint32_t bit)
{
	const struct svc_field *f = svc_config_fields;

	while (f->bit != bit)		/* bit is one of lists[]: always found */
		f++;
	return (struct svc_cidrs *)((char *)c + f->off);
}

int config_parse(int argc, char **argv, struct op *op, char *err, size_t errlen)
{
	struct svc_config *c = &op->cfg;
	char msg[SVC_ERRLEN];
	int i;

	if (argc < 1)
		return set_err(EXIT_USAGE, err, errlen, "config: missing verb");
	i = match_word(argv[0], verbs);
	if (i == V_SHOW)
		return set_err(EXIT_USAGE, err, errlen, "config show: not a table command");
	if (i != V_SET)
		return set_err(EXIT_USAGE, err, errlen, "config: unknown verb \"%s\"", argv[0]);
	op->type = OP_CONFIG_SET;
	for (i = 1; i < argc; i += 2) {
		const char *kw = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		bool known = false;

		for (size_t k = 0; k < sizeof(lists) / sizeof(lists[0]) && !known; k++) {
			struct svc_cidrs *l;

			if (!is_kw(kw, lists[k].kw))
				continue;
			known = true;
			if (duparg("config set", kw, c->has & lists[k].bit, err, errlen))
				return EXIT_USAGE;
			if (!val)
				return set_err(EXIT_USAGE, err, errlen,
					       "config set: %s needs a value", kw);
			l = list_of(c, lists[k].bit);
			svc_cidrs_free(l);
			if (strcmp(val, lists[k].empty) &&
			    svc_parse_cidr_list(val, l, msg, sizeof(msg)))
				return set_err(EXIT_FAIL, err, errlen, "%s %s", kw, msg);
			c->has |= lists[k].bit;
		}
		for (size_t k = 0; k < sizeof(limits) / sizeof(limits[0]) && !known; k++) {
			if (!is_kw(kw, limits[k].kw))
				continue;
			known = true;
			if (duparg("config set", kw, c->has & limits[k].bit, err, errlen))
				return EXIT_USAGE;
			if (!val)
				return set_err(EXIT_USAGE, err, errlen,
					       "config set: %s needs a value", kw);
			if (svc_parse_u32(val, 0, UINT32_MAX,
					  (uint32_t *)((char *)c + limits[k].offset),
					  msg, sizeof(msg)))
				return set_err(EXIT_FAIL, err, errlen, "%s %s: %s", kw, val, msg);
			c->has |= limits[k].bit;
		}
		if (!known && is_kw(kw, "hash-seed")) {
			known = true;
			if (!val)
				return set_err(EXIT_USAGE, err, errlen,
					       "config set: %s needs a value", kw);
			if (parse_seed(val, c->hash_seed))
				return set_err(EXIT_FAIL, err, errlen,
					       "%s %s: want 32 hex digits (16 bytes)", kw, val);
			c->has |= SVC_CFG_HAS_HASH_SEED;
		}
		if (!known && is_kw(kw, "masquerade-all")) {
			bool on;

			known = true;
			if (duparg("config set", kw, c->has & SVC_CFG_HAS_MASQUERADE_ALL, err,
				   errlen))
				return EXIT_USAGE;
			if (!val)
				return set_err(EXIT_USAGE, err, errlen,
					       "config set: %s needs a value", kw);
			if (svc_parse_onoff(val, &on, msg, sizeof(msg)))
				return set_err(EXIT_FAIL, err, errlen, "%s %s: %s", kw, val, msg);
			c->masquerade_all = on;
			c->has |= SVC_CFG_HAS_MASQUERADE_ALL;
		}
		if (!known && is_kw(kw, "packet-stats")) {
			bool on;

			known = true;
			if (!val)
				return set_err(EXIT_USAGE, err, errlen,
					       "config set: %s needs a value", kw);
			if (svc_parse_onoff(val, &on, msg, sizeof(msg)))
				return set_err(EXIT_FAIL, err, errlen, "%s %s: %s", kw, val, msg);
			c->packet_stats = on;
			c->has |= SVC_CFG_HAS_PACKET_STATS;
		}
		if (!known)
			return set_err(EXIT_USAGE, err, errlen,
				       "config set: unknown argument \"%s\"", kw);
	}
	if (!c->has)
		return set_err(EXIT_USAGE, err, errlen, "config set: nothing to set");
	return 0;
}

static int show(struct ctx *c, int argc, char **argv)
{
	struct svc_config cfg;
	struct svc_nlerr e;

	if (argc > 1)
		return err_extra("config", "config show", argv[1]);
	memset(&cfg, 0, sizeof(cfg));
	if (svc_get_config(ctx_nl(c), &cfg, &e))
		return err_kernel("config show", &e);
	if (c->json)
		svc_json_print(stdout, svc_json_config(&cfg));
	else
		svc_print_config(stdout, &cfg);
	svc_config_free(&cfg);
	return EXIT_OK;
}

int cmd_config(struct ctx *c, int argc, char **argv)
{
	int v;

	if (argc < 1)
		return show(c, argc, argv);
	if (is_help(argc, argv))
		return help_print(stdout, "config"), EXIT_OK;
	v = match_word(argv[0], verbs);
	if (v == V_SHOW)
		return show(c, argc, argv);
	return run_parsed(c, "config", config_parse, argc, argv);
}
