// SPDX-License-Identifier: GPL-2.0
/* config.c: svcadm config set|show */
#include <string.h>

#include "svcadm.h"

enum { V_SET, V_SHOW, V_HELP };	/* the man page's order */
static const char *const verbs[] = { "set", "show", "help", NULL };

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

		/* the lists and the limits */
		for (const struct svc_field *f = svc_config_fields;
		     f < svc_config_fields + SVC_CONFIG_NFIELDS && !known; f++) {
			const struct svc_config_word *w = svc_config_word(f->bit);
			void *p = (char *)c + f->off;

			if ((f->kind != SVC_FK_CIDRS && f->kind != SVC_FK_U32) || !is_kw(kw, w->kw))
				continue;
			known = true;
			if (duparg("config set", kw, c->has & f->bit, err, errlen))
				return EXIT_USAGE;
			if (!val)
				return set_err(EXIT_USAGE, err, errlen,
					       "config set: %s needs a value", kw);
			if (f->kind == SVC_FK_U32) {
				if (svc_parse_u32(val, 0, UINT32_MAX, p, msg, sizeof(msg)))
					return set_err(EXIT_FAIL, err, errlen, "%s %s: %s",
						       kw, val, msg);
			} else {
				svc_cidrs_free(p);
				if (strcmp(val, w->empty) &&
				    svc_parse_cidr_list(val, p, msg, sizeof(msg)))
					return set_err(EXIT_FAIL, err, errlen, "%s %s", kw, msg);
			}
			c->has |= f->bit;
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
