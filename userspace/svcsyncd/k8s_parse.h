/* SPDX-License-Identifier: GPL-2.0 */
/*
 * k8s_parse.h: json-c objects (one item of a LIST, or a watch event's
 * "object") to the structs of k8s.h.
 *
 * Each function fills *out (which it first zeroes) and returns 0, or
 * returns -EINVAL with a one-line reason naming the field in err
 * ("spec.ports[1].port: not an integer") and leaves *out zeroed: the
 * caller logs the reason and skips the object. A field of the wrong JSON
 * type is an error, as it is for the API machinery's decoder; unknown
 * fields are ignored and unknown enum strings map to the *_UNKNOWN values
 * (or protocol 0), which the semantics skip as kube-proxy does. -ENOMEM
 * when memory runs out. The json object is only read (it may be freed
 * afterwards: every string is copied). Pure: no I/O, no global state.
 */
#ifndef SVCSYNCD_K8S_PARSE_H
#define SVCSYNCD_K8S_PARSE_H

#include <stddef.h>
#include <json-c/json.h>

#include "k8s.h"

int k8s_parse_service(struct json_object *o, struct k8s_service *out, char *err, size_t errlen);
int k8s_parse_endpoint_slice(struct json_object *o, struct k8s_endpoint_slice *out,
			     char *err, size_t errlen);
int k8s_parse_node(struct json_object *o, struct k8s_node *out, char *err, size_t errlen);
int k8s_parse_service_cidr(struct json_object *o, struct k8s_service_cidr *out,
			   char *err, size_t errlen);

#endif
