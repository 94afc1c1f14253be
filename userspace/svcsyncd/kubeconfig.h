/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kubeconfig.h: how to reach the API server, from a kubeconfig file
 * (--kubeconfig, --master) or the in-cluster service account, with
 * client-go's rules: current-context -> context -> cluster + user; file
 * paths relative to the kubeconfig's directory; --master overrides the
 * server. Certificates and keys are read (or base64-decoded from the
 * *-data fields) into memory at load time and handed to libcurl as blobs.
 * A bearer token file is only named here: the API client re-reads it as
 * it rotates (kube_token_read()).
 */
#ifndef SVCSYNCD_KUBECONFIG_H
#define SVCSYNCD_KUBECONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define KUBE_SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

struct kube_blob {		/* PEM bytes; data NULL: none */
	void *data;
	size_t len;
};

struct kube_api_config {
	char *server;		/* "https://host:port" (any path kept), no trailing '/' */
	char *tls_server_name;	/* NULL: the server's host name is verified */
	bool insecure;		/* insecure-skip-tls-verify */
	struct kube_blob ca;	/* cluster CA; none: the system's CAs */
	struct kube_blob cert;	/* client certificate + key (both or neither) */
	struct kube_blob key;
	char *token;		/* static bearer token, NULL: none */
	char *token_file;	/* read, and re-read on rotation; wins over token */
	char *source;		/* for logs: "kubeconfig FILE context C" / "in-cluster" */
};

/*
 * kubeconfig NULL and master NULL: in-cluster (KUBERNETES_SERVICE_HOST/_PORT
 * and KUBE_SA_DIR). kubeconfig NULL, master set: that server, no credentials.
 * Returns 0, or a negative errno with a message in err; out is filled only
 * on success (free it with kube_api_config_free()).
 */
int kube_config_load(const char *kubeconfig, const char *master, struct kube_api_config *out,
		     char *err, size_t errlen);

/* In-cluster with the service account files in sa_dir (tests use their own). */
int kube_config_in_cluster(const char *sa_dir, struct kube_api_config *out, char *err,
			   size_t errlen);

void kube_api_config_free(struct kube_api_config *c);

/* The token in file, trimmed of surrounding white space, in *out (malloc'd). */
int kube_token_read(const char *file, char **out, char *err, size_t errlen);

/* --hostname-override, else $NODE_NAME, else the host name; trimmed, lowercased. */
int kube_node_name(const char *override, char *out, size_t outlen);

#endif
