// SPDX-License-Identifier: GPL-2.0
/* op.c: a parsed table-changing command: its request, its effect on an
 * in-memory model, its description. Shared by the commands and restore. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <libmnl/libmnl.h>

#include "svcadm.h"

void op_init(struct op *op)
{
	memset(op, 0, sizeof(*op));
}

void op_free(struct op *op)
{
	svc_service_free(&op->svc);
	svc_frontend_free(&op->fe);
	svc_config_free(&op->cfg);
	memset(op, 0, sizeof(*op));
}

int op_parse(int argc, char **argv, struct op *op, char *err, size_t errlen)
{
	const struct command *cmd;
	int r;

	op_init(op);
	if (argc < 1) {
		snprintf(err, errlen, "object: missing");
		return EXIT_USAGE;
	}
	cmd = command_find(argv[0]);
	if (!cmd)
		return set_err(EXIT_USAGE, err, errlen, "object \"%s\": unknown", argv[0]);
	if (!cmd->parse)
		return set_err(EXIT_USAGE, err, errlen, "%s: not a table command", cmd->name);
	r = cmd->parse(argc - 1, argv + 1, op, err, errlen);
	if (r)
		op_free(op);
	return r;
}

struct nlmsghdr *op_request(const struct op *op, const struct svc_nl *nl,
			    void *buf, size_t len)
{
	switch (op->type) {
	case OP_SERVICE_ADD:
		return svc_req_service(nl, buf, len, SVCVIP_CMD_NEW_SERVICE, 0,
				       &op->svc, SVC_PUT_SETTINGS);
	case OP_SERVICE_REPLACE:
		/* no lists: frontends and backends stay */
		return svc_req_service(nl, buf, len, SVCVIP_CMD_REPLACE_SERVICE, 0,
				       &op->svc, SVC_PUT_SETTINGS);
	case OP_SERVICE_SET:
		return svc_req_service(nl, buf, len, SVCVIP_CMD_SET_SERVICE, 0,
				       &op->svc, SVC_PUT_SETTINGS);
	case OP_SERVICE_DEL:
		return svc_req_service(nl, buf, len, SVCVIP_CMD_DEL_SERVICE, 0,
				       &op->svc, 0);
	case OP_FRONTEND_ADD:
		return svc_req_frontend(nl, buf, len, SVCVIP_CMD_NEW_FRONTEND,
					op->svc.name, &op->fe);
	case OP_FRONTEND_DEL:
		return svc_req_frontend(nl, buf, len, SVCVIP_CMD_DEL_FRONTEND,
					op->svc.name, &op->fe);
	case OP_BACKEND_ADD:
		return svc_req_backend(nl, buf, len, SVCVIP_CMD_NEW_BACKEND,
				       op->svc.name, &op->be);
	case OP_BACKEND_SET:
		return svc_req_backend(nl, buf, len, SVCVIP_CMD_SET_BACKEND,
				       op->svc.name, &op->be);
	case OP_BACKEND_DEL:
		return svc_req_backend(nl, buf, len, SVCVIP_CMD_DEL_BACKEND,
				       op->svc.name, &op->be);
	case OP_CONFIG_SET:
		return svc_req_config(nl, buf, len, &op->cfg);
	case OP_FLUSH:
		return svc_req_plain(nl, buf, len, SVCVIP_CMD_FLUSH);
	}
	return NULL;
}

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return EXIT_FAIL;
}

int op_apply(const struct op *op, struct svc_table *t, struct svc_config *cfg,
	     uint32_t tag, char *err, size_t errlen)
{
	struct svc_service *s = NULL;
	char what[SVC_ADDRSTRLEN * 2];
	uint32_t keep;

	if (op->type != OP_CONFIG_SET && op->type != OP_FLUSH &&
	    op->type != OP_SERVICE_ADD && op->type != OP_SERVICE_REPLACE) {
		s = svc_table_find(t, op->svc.name);
		if (!s)
			return fail(err, errlen, "service %s: no such service", op->svc.name);
	}
	switch (op->type) {
	case OP_SERVICE_ADD:
		if (svc_table_find(t, op->svc.name))
			return fail(err, errlen, "service %s: already exists", op->svc.name);
		s = svc_table_add(t, op->svc.name);
		if (!s)
			return fail(err, errlen, "out of memory");
		s->tag = tag;
		s->has = op->svc.has & SVC_SVC_SETTINGS;
		goto settings;
	case OP_SERVICE_REPLACE:
		s = svc_table_find(t, op->svc.name);
		if (!s) {
			s = svc_table_add(t, op->svc.name);
			if (!s)
				return fail(err, errlen, "out of memory");
			s->tag = tag;
		}
		/* settings become exactly those given; lists stay */
		s->has = (s->has & ~SVC_SVC_SETTINGS) | (op->svc.has & SVC_SVC_SETTINGS);
		goto settings;
	case OP_SERVICE_SET:
		s->has |= op->svc.has & SVC_SVC_SETTINGS;
settings:
		svc_fields_copy(s, &op->svc, op->svc.has, svc_service_fields,
				SVC_SERVICE_NFIELDS);
		return 0;
	case OP_SERVICE_DEL:
		svc_table_del(t, op->svc.name);
		return 0;
	case OP_FRONTEND_ADD:
		/* duplicates across the file are found later, after sorting */
		if (svc_service_add_frontend(s, &op->fe))
			return fail(err, errlen, "out of memory");
		s->frontends[s->nfrontends - 1].tag = tag;
		return 0;
	case OP_FRONTEND_DEL:
		if (!svc_service_del_frontend(s, &op->fe)) {
			return fail(err, errlen, "frontend %s: not in service %s",
				    svc_fmt_frontend(&op->fe, what, sizeof(what)), op->svc.name);
		}
		return 0;
	case OP_BACKEND_ADD:
		if (svc_service_add_backend(s, &op->be))
			return fail(err, errlen, "out of memory");
		s->backends[s->nbackends - 1].tag = tag;
		return 0;
	case OP_BACKEND_SET: {
		struct svc_backend *be = svc_service_find_backend(s, &op->be);

		if (!be)
			return fail(err, errlen, "backend %s: not in service %s",
				    svc_fmt_addrport(op->be.family, &op->be.addr,
						     op->be.port, 0, true, what,
						     sizeof(what)), op->svc.name);
		keep = be->has & ~(op->be.has & (SVC_BE_HAS_WEIGHT | SVC_BE_HAS_FLAGS));
		if (op->be.has & SVC_BE_HAS_WEIGHT)
			be->weight = op->be.weight;
		if (op->be.has & SVC_BE_HAS_FLAGS)
			be->flags = op->be.flags;
		be->has = keep | (op->be.has & (SVC_BE_HAS_WEIGHT | SVC_BE_HAS_FLAGS));
		return 0;
	}
	case OP_BACKEND_DEL:
		if (!svc_service_del_backend(s, &op->be))
			return fail(err, errlen, "backend %s: not in service %s",
				    svc_fmt_addrport(op->be.family, &op->be.addr,
						     op->be.port, 0, true, what,
						     sizeof(what)), op->svc.name);
		return 0;
	case OP_CONFIG_SET:
		if (svc_config_merge(cfg, &op->cfg))
			return fail(err, errlen, "out of memory");
		return 0;
	case OP_FLUSH:
		svc_table_clear(t);
		return 0;
	}
	return fail(err, errlen, "unknown operation");
}

void op_describe(const struct op *op, char *buf, size_t len)
{
	char what[SVC_ADDRSTRLEN * 2];

	switch (op->type) {
	case OP_SERVICE_ADD:
		snprintf(buf, len, "service add %s", op->svc.name);
		return;
	case OP_SERVICE_REPLACE:
		snprintf(buf, len, "service replace %s", op->svc.name);
		return;
	case OP_SERVICE_SET:
		snprintf(buf, len, "service set %s", op->svc.name);
		return;
	case OP_SERVICE_DEL:
		snprintf(buf, len, "service del %s", op->svc.name);
		return;
	case OP_FRONTEND_ADD:
	case OP_FRONTEND_DEL:
		snprintf(buf, len, "frontend %s %s %s",
			 op->type == OP_FRONTEND_ADD ? "add" : "del", op->svc.name,
			 svc_fmt_frontend(&op->fe, what, sizeof(what)));
		return;
	case OP_BACKEND_ADD:
	case OP_BACKEND_SET:
	case OP_BACKEND_DEL:
		snprintf(buf, len, "backend %s %s %s",
			 op->type == OP_BACKEND_ADD ? "add" :
			 op->type == OP_BACKEND_SET ? "set" : "del", op->svc.name,
			 svc_fmt_addrport(op->be.family, &op->be.addr, op->be.port, 0,
					  true, what, sizeof(what)));
		return;
	case OP_CONFIG_SET:
		snprintf(buf, len, "config set");
		return;
	case OP_FLUSH:
		snprintf(buf, len, "flush");
		return;
	}
	snprintf(buf, len, "?");
}

int op_run(struct ctx *c, const struct op *op)
{
	static char buf[SVC_NEST_MAX + 1024];
	struct svc_nl *nl = ctx_nl(c);
	struct nlmsghdr *nlh = op_request(op, nl, buf, sizeof(buf));
	char what[SVCVIP_NAME_MAX + 128];
	struct svc_nlerr e;

	op_describe(op, what, sizeof(what));
	if (!nlh) {
		err_msg("%s: request too large", what);
		return EXIT_FAIL;
	}
	if (svc_request(nl, nlh, &e))
		return err_kernel(what, &e);
	return EXIT_OK;
}

int run_parsed(struct ctx *c, const char *object,
	       int (*parse)(int, char **, struct op *, char *, size_t),
	       int argc, char **argv)
{
	char err[ERRBUF];
	struct op op;
	int r;

	op_init(&op);
	r = parse(argc, argv, &op, err, sizeof(err));
	if (r) {
		op_free(&op);
		if (r == EXIT_USAGE)
			return err_usage(object, err);
		err_msg("%s", err);
		return r;
	}
	r = op_run(c, &op);
	op_free(&op);
	return r;
}
