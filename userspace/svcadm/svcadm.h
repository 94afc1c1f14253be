/* SPDX-License-Identifier: GPL-2.0 */
/* svcadm.h: what the per-object files of svcadm share. */
#ifndef SVCADM_H
#define SVCADM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "api.h"
#include "model.h"
#include "nl.h"
#include "output.h"
#include "parse.h"

#ifndef SVCVIP_VERSION_STRING
#define SVCVIP_VERSION_STRING "unknown"
#endif

/* exit statuses */
#define EXIT_OK		0
#define EXIT_FAIL	1
#define EXIT_USAGE	2

/* Global options and the lazily opened connection. */
struct ctx {
	bool json;
	bool numeric;
	struct svc_nl *nl;
};

/* The connection; on failure prints the error and exits 1. */
struct svc_nl *ctx_nl(struct ctx *c);
void ctx_close(struct ctx *c);

/* "svcadm: ..." on stderr */
__attribute__((format(printf, 1, 2)))
void err_msg(const char *fmt, ...);
/* "svcadm: WHAT: extack: strerror" on stderr; returns EXIT_FAIL */
int err_kernel(const char *what, const struct svc_nlerr *e);
/* "svcadm: MSG" plus the object's usage lines; returns EXIT_USAGE */
int err_usage(const char *object, const char *msg);
/* err_usage() with "WHAT: unexpected argument \"ARG\"" */
int err_extra(const char *object, const char *what, const char *arg);

/* Index of the first word that arg is a prefix of (arg non-empty), or -1. */
int match_word(const char *arg, const char *const *words);
/* Exact keyword match. */
bool is_kw(const char *arg, const char *kw);

/* ---- table-changing commands: parsed into an op, used by the commands
 *      themselves and by restore ---- */
enum op_type {
	OP_SERVICE_ADD,
	OP_SERVICE_REPLACE,
	OP_SERVICE_SET,
	OP_SERVICE_DEL,
	OP_FRONTEND_ADD,
	OP_FRONTEND_DEL,
	OP_BACKEND_ADD,
	OP_BACKEND_SET,
	OP_BACKEND_DEL,
	OP_CONFIG_SET,
	OP_FLUSH,
};

struct op {
	enum op_type type;
	struct svc_service svc;		/* the name; settings for add/replace/set */
	struct svc_frontend fe;
	struct svc_backend be;
	struct svc_config cfg;
};

/* Parse results: 0, or EXIT_FAIL (bad value) / EXIT_USAGE (bad grammar),
 * with the message (without "svcadm: ") in err. */
#define ERRBUF 512
void op_init(struct op *op);
void op_free(struct op *op);
/* argv[0] is the object word (abbreviations allowed). Non-table objects
 * give EXIT_USAGE with "OBJECT: cannot be used here". */
int op_parse(int argc, char **argv, struct op *op, char *err, size_t errlen);
/* The request message for op (NULL: does not fit). */
struct nlmsghdr *op_request(const struct op *op, const struct svc_nl *nl,
			    void *buf, size_t len);
/* Applies op to an in-memory table + config (restore --replace). */
int op_apply(const struct op *op, struct svc_table *t, struct svc_config *cfg,
	     uint32_t tag, char *err, size_t errlen);
/* "service add web", "backend del web 10.0.0.1:80", "config set", "flush" */
void op_describe(const struct op *op, char *buf, size_t len);
/* Sends op and prints a kernel error; returns an exit status. */
int op_run(struct ctx *c, const struct op *op);

/* Formats the message into err and returns code. */
__attribute__((format(printf, 4, 5)))
int set_err(int code, char *err, size_t errlen, const char *fmt, ...);
/* As iproute2's duparg(): EXIT_USAGE with "WHAT: \"KW\" given twice" when
 * dup, else 0. */
int duparg(const char *what, const char *kw, bool dup, char *err, size_t errlen);
/* NAME at argv[i] (checked) into s->name; what = "service add" etc. */
int parse_service_name(const char *what, int argc, char **argv, int i,
		       struct svc_service *s, char *err, size_t errlen);
/* Runs a parse function and the op; prints errors; an exit status. */
int run_parsed(struct ctx *c, const char *object,
	       int (*parse)(int, char **, struct op *, char *, size_t),
	       int argc, char **argv);

/* per-object parsers (verb = argv[0] after the object word) */
int service_parse(int argc, char **argv, struct op *op, char *err, size_t errlen);
int frontend_parse(int argc, char **argv, struct op *op, char *err, size_t errlen);
int backend_parse(int argc, char **argv, struct op *op, char *err, size_t errlen);
int config_parse(int argc, char **argv, struct op *op, char *err, size_t errlen);
int flush_parse(int argc, char **argv, struct op *op, char *err, size_t errlen);

/* ---- commands: argv[0] is the first word after the object ---- */
typedef int (*cmd_fn)(struct ctx *c, int argc, char **argv);

/* The command table (help.c), in the man page's order, ended by a NULL name. */
struct command {
	const char *name;
	cmd_fn run;
	/* table commands (restore lines): the line's words after the object */
	int (*parse)(int argc, char **argv, struct op *op, char *err, size_t errlen);
	const char *synopsis;	/* usage lines, each starting "svcadm " */
	const char *help;	/* description */
};
extern const struct command commands[];
/* The first command word is a prefix of (abbreviations), or NULL. */
const struct command *command_find(const char *word);
int cmd_service(struct ctx *c, int argc, char **argv);
int cmd_frontend(struct ctx *c, int argc, char **argv);
int cmd_backend(struct ctx *c, int argc, char **argv);
int cmd_config(struct ctx *c, int argc, char **argv);
int cmd_flush(struct ctx *c, int argc, char **argv);
int cmd_save(struct ctx *c, int argc, char **argv);
int cmd_restore(struct ctx *c, int argc, char **argv);
int cmd_stats(struct ctx *c, int argc, char **argv);
int cmd_monitor(struct ctx *c, int argc, char **argv);
int cmd_lookup(struct ctx *c, int argc, char **argv);
int cmd_version(struct ctx *c, int argc, char **argv);
int cmd_help(struct ctx *c, int argc, char **argv);
/* svcadm -V: the tool's version only (never asks the kernel) */
int version_tool(const struct ctx *c);

/* help.c */
/* Full help for one object, or everything (object NULL). 0, or -1 if unknown. */
int help_print(FILE *f, const char *object);
/* The synopsis lines of an object (all objects if NULL). */
void help_usage(FILE *f, const char *object);
/* True when argv[0] asks for help ("help", "-h", "--help"). */
bool is_help(int argc, char **argv);

/* save.c: the table as svcadm argument lines (sorted; numeric). */
void save_print(FILE *f, struct svc_table *t, const struct svc_config *cfg);

/* restore.c: read lines into ops / a model. */
/* Splits line into words in place; returns the count (0 = blank/comment),
 * or -1 when there are more than max. */
int split_line(char *line, char **argv, int max);
/* Builds a model from a whole file (restore --replace). 0, or the number
 * of errors (each printed as "svcadm: line N: ..."). */
int restore_read_model(FILE *in, struct svc_table *t, struct svc_config *cfg);

#endif
