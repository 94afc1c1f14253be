// SPDX-License-Identifier: GPL-2.0
/* help.c: the command table (as wg's), svcadm help [OBJECT], --help */
#include <string.h>

#include "svcadm.h"

/* In the man page's order: abbreviations take the first match. */
const struct command commands[] = {
{ "service", cmd_service, service_parse,
"svcadm service add|replace NAME proto tcp|udp|sctp [scheduler maglev|random|rr|wrr]\n"
"               [affinity clientip|none [timeout SECS]]\n"
"               [internal-policy cluster|local] [external-policy cluster|local]\n"
"svcadm service set NAME [scheduler S] [affinity A] [timeout SECS]\n"
"               [internal-policy P] [external-policy P]\n"
"svcadm service del NAME\n"
"svcadm service show [NAME]\n",
"  A service is one Kubernetes service port. NAME is 1-255 printable ASCII\n"
"  characters without spaces, by convention namespace/name:port.\n"
"\n"
"  add      creates the service; it is an error if NAME exists.\n"
"  replace  creates or replaces the service atomically: its settings become\n"
"           exactly those given (absent ones take their defaults); its\n"
"           frontends and backends are kept.\n"
"  set      changes only the settings given (the protocol cannot change).\n"
"  del      removes the service with its frontends and backends.\n"
"  show     lists services (one, with NAME) with their frontends and backends.\n"
"\n"
"  proto      tcp, udp or sctp (required for add and replace).\n"
"  scheduler  maglev (default: consistent hash of the flow), random, rr\n"
"             (round robin) or wrr (weighted round robin).\n"
"  affinity   clientip: a client keeps its backend for timeout seconds\n"
"             (1-86400, default 10800); none (default).\n"
"  internal-policy, external-policy\n"
"             cluster (default): any backend; local: only backends flagged\n"
"             local (traffic is dropped when there is none).\n" },
{ "frontend", cmd_frontend, frontend_parse,
"svcadm frontend add|del NAME clusterip|externalip ADDR:PORT\n"
"svcadm frontend add|del NAME loadbalancer ADDR:PORT [source-ranges CIDR[,CIDR...]]\n"
"svcadm frontend add|del NAME nodeport PORT [family ipv4|ipv6]\n",
"  A frontend is where a service listens. ADDR:PORT is 10.96.0.10:80 or\n"
"  [2001:db8::10]:80. A frontend belongs to at most one service.\n"
"\n"
"  clusterip, externalip  the address and port.\n"
"  loadbalancer           the address and port; with source-ranges only\n"
"                         clients inside those CIDRs are served (others are\n"
"                         dropped); without, everyone.\n"
"  nodeport               PORT on the node's own addresses (those inside\n"
"                         config nodeport-addresses), both families unless\n"
"                         family is given.\n"
"\n"
"  del matches kind, family, address and port (source-ranges are ignored).\n" },
{ "backend", cmd_backend, backend_parse,
"svcadm backend add|set NAME ADDR:PORT [weight N] [local] [terminating]\n"
"svcadm backend del NAME ADDR:PORT\n",
"  A backend is an endpoint of the service, ADDR:PORT as 10.244.1.2:8080 or\n"
"  [fd00::2]:8080.\n"
"\n"
"  weight       0-65535, default 1. 0: no new connections, existing ones go on.\n"
"  local        the endpoint is on this node (for policy local).\n"
"  terminating  serving but terminating: used only when no other backend is\n"
"               usable.\n"
"\n"
"  add  adds the backend; it is an error if ADDR:PORT exists.\n"
"  set  changes an existing backend: the weight only when given; the flags\n"
"       always become exactly the flag words given (a flag not repeated is\n"
"       cleared).\n"
"  del  removes it: it gets no new connections; established TCP connections\n"
"       finish, UDP flows to it are cut so clients move on.\n" },
{ "config", cmd_config, config_parse,
"svcadm config set [cluster-cidrs CIDR[,CIDR...]|none] [masquerade-all on|off]\n"
"               [nodeport-addresses CIDR[,CIDR...]|all] [local-cidrs CIDR[,...]|none]\n"
"               [service-cidrs CIDR[,...]|none]\n"
"               [affinity-max N] [max-services N] [max-frontends N] [max-backends N]\n"
"               [packet-stats on|off]\n"
"               [hash-seed HEX] [maglev-table-size N]\n"
"svcadm config show\n",
"  The configuration of the network namespace. set changes only what is given.\n"
"\n"
"  cluster-cidrs       cluster-IP traffic from sources outside them is\n"
"                      masqueraded (none: no such masquerading).\n"
"  masquerade-all      on: masquerade every serviced connection.\n"
"  nodeport-addresses  NodePorts answer only on local addresses inside these\n"
"                      (all: on every local address).\n"
"  local-cidrs         sources that are pods of this node (none: use\n"
"                      cluster-cidrs).\n"
"  service-cidrs       the service IP ranges: a new connection to an address\n"
"                      in them that no frontend uses is dropped (none: no\n"
"                      such drop). A cluster IP on a port or protocol none\n"
"                      of its frontends uses is always rejected.\n"
"  affinity-max        client affinity entries in the namespace.\n"
"  max-services, max-frontends (per namespace), max-backends (per service)\n"
"                      limits; a limit below the current count is refused.\n"
"  packet-stats        on: count packets and bytes per service and backend\n"
"                      (costs an extra hook and shared counters on every\n"
"                      packet of every serviced connection; default off).\n"
"  hash-seed           32 hex digits: the key of the flow hash and the Maglev\n"
"                      tables. Nodes with the same seed and backends choose\n"
"                      the same backend for a flow (default: a fixed key,\n"
"                      the same on every node). Only while there is no service.\n"
"  maglev-table-size   a prime, 251..16777213: the most slots of a Maglev\n"
"                      table (default 65521); a service of n backends has\n"
"                      >= 100 x n rounded up to a power of two, at most this.\n"
"                      Only while there is no service.\n" },
{ "flush", cmd_flush, flush_parse,
"svcadm flush\n",
"  Removes every service of the network namespace. The config stays.\n" },
{ "save", cmd_save, NULL,
"svcadm save\n",
"  Prints the whole table as svcadm argument lines: the config line, then\n"
"  each service (sorted by name) followed by its frontends and backends.\n"
"  Numbers are always numeric. \"svcadm restore --replace\" reads it back.\n" },
{ "restore", cmd_restore, NULL,
"svcadm restore [--replace] [-f|--force] [FILE|-]\n",
"  Reads svcadm argument lines (as save prints them) from FILE or standard\n"
"  input; blank lines and lines starting with # are ignored. Every line is\n"
"  read and checked before anything is sent: a malformed line is reported\n"
"  as \"line N: error\" and nothing is applied (with -f the valid lines are).\n"
"\n"
"  Without --replace the lines are executed in order (sent in batches); a\n"
"  service add with the frontend and backend adds of that service right\n"
"  after it, and consecutive backend adds of one service, go as one message;\n"
"  when the kernel refuses it, its lines are sent again one by one, so each\n"
"  failing line is reported on its own. The exit status is 1 if any failed.\n"
"  With --replace the input is the whole table: checked as a whole first\n"
"  (any error: nothing is applied), then only what differs is sent:\n"
"  services not in the input are deleted, the config attributes whose value\n"
"  differs are set, and each new or changed service is replaced atomically\n"
"  with its complete frontend and backend lists. An unchanged table sends\n"
"  nothing. Config attributes the input does not mention are left alone.\n" },
{ "stats", cmd_stats, NULL,
"svcadm stats [NAME]\n",
"  Counters per service and backend: connections scheduled, packets and\n"
"  bytes in (client to backend) and out, and current active (TCP\n"
"  ESTABLISHED) and inactive connections.\n" },
{ "monitor", cmd_monitor, NULL,
"svcadm monitor\n",
"  Prints every change to the table as it happens, one line per event in\n"
"  svcadm grammar (\"backend add NAME ADDR:PORT weight 1\"), or one JSON\n"
"  object per line with -j.\n" },
{ "lookup", cmd_lookup, NULL,
"svcadm lookup tcp|udp|sctp DST_ADDR:PORT [from SRC_ADDR[:PORT]]\n",
"  Asks the kernel what it would do with the first packet of such a\n"
"  connection (nothing is changed): verdict (none, dnat, reject, drop),\n"
"  reason, the service, frontend and backend, and masquerading.\n" },
{ "version", cmd_version, NULL,
"svcadm version\n",
"  Prints the versions of svcadm and of the loaded module (with its ABI),\n"
"  the number of services, frontends and backends in this namespace, its\n"
"  generation (moves with every change) and how many services' Maglev\n"
"  tables are being rebuilt after a backend change (see svcadm(8)).\n" },
{ "help", cmd_help, NULL,
"svcadm help [OBJECT]\n",
"  Describes svcadm, or one OBJECT. \"svcadm OBJECT help\" does the same.\n" },
{ NULL, NULL, NULL, NULL, NULL },
};

static const char global_text[] =
"svcadm - administer svcvip, Kubernetes Service virtual IPs in the kernel\n"
"\n"
"usage: svcadm [-j] [-n] OBJECT VERB ARGS...\n"
"\n"
"  -j, --json     print JSON (one document; monitor: one object per line)\n"
"  -n, --numeric  print ports as numbers (default: /etc/services names)\n"
"  -h, --help     this help\n"
"  -V, --version  svcadm's version (\"svcadm version\" also asks the module)\n"
"\n"
"  Objects and verbs may be abbreviated to a prefix: the first match in the\n"
"  order of this help wins (svcadm s a = service add, svcadm s s = service\n"
"  set). A keyword may be given once; a NAME may not start with \"-\".\n"
"  IPv6 addresses are written [2001:db8::1]:80. Errors go to standard\n"
"  error; the exit status is 0 on success, 1 on errors, 2 on usage errors.\n"
"  The table is per network namespace; changing it needs CAP_NET_ADMIN.\n";

const struct command *command_find(const char *word)
{
	size_t n = strlen(word);

	for (const struct command *c = commands; n && c->name; c++)
		if (!strncmp(c->name, word, n))
			return c;
	return NULL;
}

int err_usage(const char *object, const char *msg)
{
	err_msg("%s", msg);
	help_usage(stderr, object);
	return EXIT_USAGE;
}

int err_extra(const char *object, const char *what, const char *arg)
{
	char msg[128 + SVCVIP_NAME_MAX];

	snprintf(msg, sizeof(msg), "%s: unexpected argument \"%.*s\"", what,
		 SVCVIP_NAME_MAX, arg);
	return err_usage(object, msg);
}

void help_usage(FILE *f, const char *object)
{
	const struct command *h = object ? command_find(object) : NULL;

	if (h) {
		const char *p = h->synopsis;

		fputs("usage:\n", f);
		while (*p) {
			size_t n = strcspn(p, "\n");

			fprintf(f, "  %.*s\n", (int)n, p);
			p += n + (p[n] == '\n');
		}
		fprintf(f, "Try \"svcadm %s help\".\n", h->name);
		return;
	}
	fputs("usage: svcadm [-j] [-n] OBJECT VERB ARGS...\nobjects:", f);
	for (const struct command *c = commands; c->name; c++)
		fprintf(f, " %s%s", c->name,
			(c - commands) % 8 == 7 && c[1].name ? "\n        " : "");
	fputs("\nTry \"svcadm help\".\n", f);
}

int help_print(FILE *f, const char *object)
{
	const struct command *h;

	if (object) {
		h = command_find(object);
		if (!h)
			return -1;
		fprintf(f, "%s\n%s", h->synopsis, h->help);
		return 0;
	}
	fputs(global_text, f);
	for (h = commands; h->name; h++)
		fprintf(f, "\n%s\n%s", h->synopsis, h->help);
	return 0;
}

bool is_help(int argc, char **argv)
{
	return argc >= 1 && (!strcmp(argv[0], "help") || !strcmp(argv[0], "-h") ||
			     !strcmp(argv[0], "--help"));
}

int cmd_help(struct ctx *c, int argc, char **argv)
{
	(void)c;
	if (argc > 1)
		return err_extra("help", "help", argv[1]);
	if (help_print(stdout, argc ? argv[0] : NULL)) {
		err_msg("help: object \"%s\": unknown", argv[0]);
		help_usage(stderr, NULL);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}
